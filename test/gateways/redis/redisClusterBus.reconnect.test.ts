import { afterAll, describe, expect, it } from 'vitest';
import type { SequencedHubMessage } from '../../../src/actors/hub/hubMessage.js';
import { createRedisClusterBus, type RedisClusterBus } from '../../../src/gateways/redis/createRedisClusterBus.js';
import type { SpareBroker } from '../../support/spareBroker.js';
import { startSpareRedis } from '../../support/spareBrokers.js';

// Against a redis-server this file starts on a spare port and restarts; the machine's shared
// Redis on 6379 is never used here.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('redis cluster bus - broker restart', () => {
  let broker: SpareBroker | undefined;
  const buses: RedisClusterBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await broker?.dispose();
  });

  it('keeps working after Redis restarts: both instances subscribe again and seqs go on increasing', async () => {
    broker = await startSpareRedis();
    for (let i = 0; i < 2; i++) buses.push(createRedisClusterBus({ url: broker.url, keyPrefix: 'restart:', reconnectMaxWaitMs: 200, commandTimeoutMs: 1_000 }));
    const [a, b] = buses as [RedisClusterBus, RedisClusterBus];
    await Promise.all([a.ready(), b.ready()]);
    const onA: SequencedHubMessage[] = [];
    const onB: SequencedHubMessage[] = [];
    const subscriptions = [a.messages$.subscribe((m) => onA.push(m)), b.messages$.subscribe((m) => onB.push(m))];
    const before = await a.publish({ topics: ['admin:all'], ownerId: 'u', event: 'before' });

    await broker.restart(300);

    // Publish until both instances receive: they are subscribed again. Bounded.
    const deadline = Date.now() + 15_000;
    let probes = 0;
    while (!(onA.some((m) => m.event === 'probe') && onB.some((m) => m.event === 'probe'))) {
      if (Date.now() > deadline) throw new Error(`no probe reached both instances within 15 s (${probes} published)`);
      if (await b.publish({ topics: ['admin:all'], ownerId: 'u', event: 'probe' }).then(() => true, () => false)) probes++;
      await sleep(100);
    }
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).publish({ topics: ['admin:all'], ownerId: 'u', event: `after-${i}` })));
    const waitUntil = Date.now() + 5_000;
    while (onA.filter((m) => String(m.event).startsWith('after-')).length < 20 || onB.filter((m) => String(m.event).startsWith('after-')).length < 20) {
      if (Date.now() > waitUntil) throw new Error('messages after the restart did not all arrive');
      await sleep(10);
    }
    for (const subscription of subscriptions) subscription.unsubscribe();

    expect(broker.restarts).toBe(1);
    expect(onB).toEqual(onA);
    const seqs = onA.map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(Math.min(...after)).toBeGreaterThan(before);
    expect(onA.filter((m) => String(m.event).startsWith('after-')).map((m) => m.seq)).toEqual([...after].sort((x, y) => x - y));
  });
});
