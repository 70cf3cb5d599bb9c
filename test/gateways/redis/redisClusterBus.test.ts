import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterBus } from '../../../src/actors/hub/clusterBus.js';
import { createRedisClusterBus, type RedisClusterBus } from '../../../src/gateways/redis/createRedisClusterBus.js';
import { RedisClusterBusMessageTooLargeError, RedisClusterBusOptionsError } from '../../../src/gateways/redis/redisClusterBusErrors.js';
import { clusterBusContract } from '../../contract/clusterBusContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: each pair of instances gets a channel and counter key under a
// prefix of this run, deleted afterwards.
const keys = runKeyPrefix('cluster-bus');
const maxMessageBytes = 8 * 1024;
let pairs = 0;

const openInstances = async (count: number, keyPrefix = `${keys.prefix}${++pairs}:`): Promise<RedisClusterBus[]> => {
  const buses = Array.from({ length: count }, () => createRedisClusterBus({ url: redisUrl, keyPrefix, maxMessageBytes }));
  await Promise.all(buses.map((bus) => bus.ready()));
  return buses;
};

clusterBusContract({
  name: 'redis cluster bus',
  openInstances,
  features: { separateInstances: true, sizeLimit: { maxMessageBytes, tooLargeError: RedisClusterBusMessageTooLargeError } },
});

describe('redis cluster bus - sequence and frames', () => {
  const opened: ClusterBus[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((bus) => bus.close()));
    await keys.deleteKeys();
  });
  const raw = new Redis(redisUrl);
  afterAll(() => raw.quit());

  it('numbers on above the old ones when the counter key is lost (a Redis restarted without persistence)', async () => {
    const keyPrefix = `${keys.prefix}lost:`;
    const [bus] = await openInstances(1, keyPrefix);
    opened.push(bus!);
    const first = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 1 });
    const second = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 2 });
    expect(second).toBe(first + 1);
    // The counter starts at Redis' clock in microseconds, not at 1.
    expect(first).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
    expect(await raw.del(`${keyPrefix}hub:bus:seq`)).toBe(1);
    const afterLoss = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 3 });
    expect(afterLoss).toBeGreaterThan(second);
    expect(Number.isSafeInteger(afterLoss)).toBe(true);
  });

  it('drops frames on its channel that are not its own or out of sequence, and goes on', async () => {
    const keyPrefix = `${keys.prefix}foreign:`;
    const [bus] = await openInstances(1, keyPrefix);
    opened.push(bus!);
    const arrivals: number[] = [];
    const subscription = bus!.messages$.subscribe((m) => arrivals.push(m.seq));
    const seq = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 'own' });
    const channel = `${keyPrefix}hub:bus`;
    await raw.publish(channel, 'not a frame');
    await raw.publish(channel, `${seq} {"topics":["admin:all"],"ownerId":"u","event":"replayed"}`);
    await raw.publish(channel, `${seq + 10} {"topics":"admin:all","ownerId":"u"}`);
    const next = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 'own-again' });
    const deadline = Date.now() + 5_000;
    while (arrivals.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    expect(arrivals).toEqual([seq, next]);
    expect(bus!.dropped()).toBe(3);
  });

  it('refuses options it cannot use, naming them', () => {
    expect(() => createRedisClusterBus({ url: 'http://x' })).toThrow(RedisClusterBusOptionsError);
    expect(() => createRedisClusterBus({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
  });
});
