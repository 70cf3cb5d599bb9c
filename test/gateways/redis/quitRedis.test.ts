import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { quitRedis } from '../../../src/gateways/redis/quitRedis.js';
import { createRedisClusterBus } from '../../../src/gateways/redis/createRedisClusterBus.js';
import { createRedisStreamsGateway } from '../../../src/gateways/redis/createRedisStreamsGateway.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

const keys = runKeyPrefix('quit');
const pipelined = async () => {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  await redis.ping(); // connected: the commands below go through the auto-pipeline, not the offline queue
  return redis;
};
const outcome = (reply: Promise<unknown>) => reply.then(String, (error: Error) => `rejected: ${error.message}`);
afterAll(() => keys.deleteKeys());

describe('quitRedis', () => {
  it('lets Redis answer the commands asked for in the same tick before it closes', async () => {
    const redis = await pipelined();
    const replies = [1, 2, 3].map((n) => outcome(redis.set(`${keys.prefix}k${n}`, `v${n}`)));
    await quitRedis(redis, systemClock, 2_000);
    expect(await Promise.all(replies)).toEqual(['OK', 'OK', 'OK']);
    if (redis.status !== 'end') await once(redis, 'end'); // the socket closes just after QUIT's reply
    const check = new Redis(redisUrl);
    expect(await check.mget(`${keys.prefix}k1`, `${keys.prefix}k2`, `${keys.prefix}k3`)).toEqual(['v1', 'v2', 'v3']);
    await check.quit();
  });

  it('is needed: a bare QUIT closes the connection before the auto-pipelined commands of its tick', async () => {
    // If ioredis ever queues QUIT behind them, this fails, and the PING in quitRedis can go.
    const redis = await pipelined();
    const reply = outcome(redis.set(`${keys.prefix}lost`, 'v'));
    await redis.quit();
    expect(await reply).toMatch(/^rejected: /);
    redis.disconnect();
  });

  it('drops a connection that is not up, at once', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const started = Date.now();
    await quitRedis(redis, systemClock, 10_000);
    if (redis.status !== 'end') await once(redis, 'end');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is how the Streams gateway and the cluster bus close: a publish asked for just before is kept', async () => {
    const streams = createRedisStreamsGateway({ url: redisUrl, keyPrefix: keys.prefix });
    await streams.publish('warm', { body: new TextEncoder().encode('{}'), headers: {}, key: 'o-1' }); // connects
    const published = outcome(streams.publish('last', { body: new TextEncoder().encode('{"n":1}'), headers: {}, key: 'o-1' }).then(() => 'published'));
    await streams.close();
    expect(await published).toBe('published');

    const bus = createRedisClusterBus({ url: redisUrl, keyPrefix: keys.prefix });
    const message = { topics: ['admin:all'], ownerId: 'u', event: 'quit-test' };
    expect(await bus.publish(message)).toBeGreaterThan(0); // connects
    const sequenced = outcome(bus.publish(message));
    await bus.close();
    expect(await sequenced).toMatch(/^\d+$/);
    const check = new Redis(redisUrl);
    expect(await check.xlen(`${keys.prefix}last`)).toBe(1);
    await check.quit();
  });

  it('refuses a close timeout that is not a positive number, naming it', () => {
    expect(() => createRedisStreamsGateway({ url: redisUrl, closeTimeoutMs: 0 })).toThrow(/closeTimeoutMs/);
  });
});
