import { afterAll, describe, expect, it } from 'vitest';
import type { SequencedHubMessage } from '../../../src/actors/hub/hubMessage.js';
import { createNatsClusterBus, type NatsClusterBus } from '../../../src/gateways/nats/createNatsClusterBus.js';
import type { SpareBroker } from '../../support/spareBroker.js';
import { startSpareNats } from '../../support/spareBrokers.js';

// Against a nats-server (JetStream) this file starts on a spare port and restarts; the machine's
// shared server on 4222 is never used here. The sequencer stream is in memory: the restart loses
// it, and the bus has to make it again, numbered above the old one.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nats cluster bus - server restart', () => {
  let broker: SpareBroker | undefined;
  const buses: NatsClusterBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await broker?.dispose();
  });

  it('keeps working after the server restarts: the stream is made again, both instances consume again, seqs go on increasing', async () => {
    broker = await startSpareNats();
    for (let i = 0; i < 2; i++) buses.push(createNatsClusterBus({ servers: broker.url, reconnectWaitMs: 200, pullExpiresMs: 1_000, requestTimeoutMs: 2_000 }));
    const [a, b] = buses as [NatsClusterBus, NatsClusterBus];
    await Promise.all([a.ready(), b.ready()]);
    const onA: SequencedHubMessage[] = [];
    const onB: SequencedHubMessage[] = [];
    const subscriptions = [a.messages$.subscribe((m) => onA.push(m)), b.messages$.subscribe((m) => onB.push(m))];
    // Enough before the restart that a stream numbered from 1 again could not pass for going on.
    let before = 0;
    for (let i = 0; i < 100; i++) before = await (i % 2 ? b : a).publish({ topics: ['admin:all'], ownerId: 'u', event: 'before' });

    await broker.restart(300);

    // Publish until both instances receive: they consume again. Bounded.
    const deadline = Date.now() + 20_000;
    let probes = 0;
    while (!(onA.some((m) => m.event === 'probe') && onB.some((m) => m.event === 'probe'))) {
      if (Date.now() > deadline) throw new Error(`no probe reached both instances within 20 s (${probes} published)`);
      if (await b.publish({ topics: ['admin:all'], ownerId: 'u', event: 'probe' }).then(() => true, () => false)) probes++;
      await sleep(200);
    }
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).publish({ topics: ['admin:all'], ownerId: 'u', event: `after-${i}` })));
    const waitUntil = Date.now() + 5_000;
    const afterOn = (arrivals: SequencedHubMessage[]) => arrivals.filter((m) => String(m.event).startsWith('after-'));
    while (afterOn(onA).length < 20 || afterOn(onB).length < 20) {
      if (Date.now() > waitUntil) throw new Error('messages after the restart did not all arrive');
      await sleep(10);
    }
    for (const subscription of subscriptions) subscription.unsubscribe();

    expect(broker.restarts).toBe(1);
    // A probe published while one instance was still catching up may reach only the other: compare from the first common one.
    const firstCommon = onA.findIndex((m) => m.event === 'probe' && onB.some((n) => n.seq === m.seq));
    expect(onB.slice(onB.findIndex((m) => m.seq === onA[firstCommon]!.seq))).toEqual(onA.slice(firstCommon));
    for (const arrivals of [onA, onB]) {
      expect(arrivals.filter((m) => m.event === 'before')).toHaveLength(100);
      expect(arrivals[99]!.seq).toBe(before);
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]!.seq).toBeGreaterThan(arrivals[i - 1]!.seq);
    }
    expect(Math.min(...after)).toBeGreaterThan(before);
    expect(afterOn(onA).map((m) => m.seq)).toEqual([...after].sort((x, y) => x - y));
  });
});
