import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterBus } from '../../../src/actors/hub/clusterBus.js';
import { createNatsClusterBus, type NatsClusterBus } from '../../../src/gateways/nats/createNatsClusterBus.js';
import { NatsClusterBusMessageTooLargeError, NatsClusterBusOptionsError } from '../../../src/gateways/nats/natsClusterBusErrors.js';
import { clusterBusContract } from '../../contract/clusterBusContract.js';

// Against the NATS JetStream server of this machine (shared): each pair of instances gets a
// stream and subject named for the run, deleted afterwards (with whatever consumer is left on it).
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const run = `busrun_${process.pid}_${randomBytes(4).toString('hex')}`;
const maxMessageBytes = 8 * 1024;
const streams: string[] = [];

const openInstances = async (count: number, overrides: { stream?: string; subject?: string; pullExpiresMs?: number } = {}): Promise<NatsClusterBus[]> => {
  const stream = overrides.stream ?? `${run}_${streams.length + 1}`;
  if (!streams.includes(stream)) streams.push(stream);
  const subject = overrides.subject ?? `orderly-test.${stream}.bus`;
  const buses = Array.from({ length: count }, () => createNatsClusterBus({ servers, stream, subject, maxMessageBytes, ...(overrides.pullExpiresMs ? { pullExpiresMs: overrides.pullExpiresMs } : {}) }));
  await Promise.all(buses.map((bus) => bus.ready()));
  return buses;
};

afterAll(async () => {
  const nc = await connect({ servers });
  const jsm = await nc.jetstreamManager();
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});

clusterBusContract({
  name: 'nats cluster bus',
  openInstances,
  features: { separateInstances: true, sizeLimit: { maxMessageBytes, tooLargeError: NatsClusterBusMessageTooLargeError } },
});

describe('nats cluster bus - sequencer stream', () => {
  const opened: ClusterBus[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((bus) => bus.close()));
  });

  it('makes a bounded memory stream numbered from the clock, and leaves no consumer behind on close', async () => {
    const stream = `${run}_shape`;
    const [bus] = await openInstances(1, { stream });
    opened.push(bus!);
    const seq = await bus!.publish({ topics: ['admin:all'], ownerId: 'u', event: 1 });
    expect(seq).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
    const nc = await connect({ servers });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(stream);
      expect(info.config).toMatchObject({ storage: 'memory', discard: 'old', max_msgs: 10_000, subjects: [`orderly-test.${stream}.bus`] });
      expect(info.state.consumer_count).toBe(1);
      await bus!.close();
      expect((await jsm.streams.info(stream)).state.consumer_count).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it('makes the stream again, numbered above the lost one, when it disappears (a restarted server)', async () => {
    const stream = `${run}_lost`;
    // A short pull: missed heartbeats (every half of it) tell the consumer soon that its stream went.
    const [a, b] = (await openInstances(2, { stream, pullExpiresMs: 1_000 })) as [NatsClusterBus, NatsClusterBus];
    opened.push(a, b);
    const onB: number[] = [];
    const subscription = b.messages$.subscribe((m) => onB.push(m.seq));
    const before = await a.publish({ topics: ['admin:all'], ownerId: 'u', event: 'before' });
    const nc = await connect({ servers });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stream);
    } finally {
      await nc.close();
    }
    const after = await a.publish({ topics: ['admin:all'], ownerId: 'u', event: 'after' });
    expect(after).toBeGreaterThan(before);
    // b's consumer went with the stream; it finds out (missed heartbeats) and consumes again.
    const deadline = Date.now() + 20_000;
    let last = after;
    while (!onB.some((seq) => seq > before)) {
      if (Date.now() > deadline) throw new Error(`b received nothing after the stream was lost: ${onB.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      last = await a.publish({ topics: ['admin:all'], ownerId: 'u', event: 'probe' });
    }
    subscription.unsubscribe();
    expect(onB[0]).toBe(before);
    for (let i = 1; i < onB.length; i++) expect(onB[i]).toBeGreaterThan(onB[i - 1]!);
    expect(onB.at(-1)).toBeLessThanOrEqual(last);
  });

  it('refuses options it cannot use, naming them', () => {
    expect(() => createNatsClusterBus({ stream: 'a.b' })).toThrow(NatsClusterBusOptionsError);
    expect(() => createNatsClusterBus({ subject: 'a.*' })).toThrow(/subject/);
    expect(() => createNatsClusterBus({ pullExpiresMs: 10 })).toThrow(/pullExpiresMs/);
  });
});
