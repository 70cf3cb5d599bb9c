import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SettlementError, type Delivery } from '../../src/streams/delivery.js';
import type { ConsumeOptions, OutboundMessage, Sink, Source } from '../../src/streams/source.js';

/**
 * The one suite every gateway runs (Watermill's `TestPubSub`): the `Source`/`Sink` contract of
 * DESIGN.md, checked the same way against the embedded broker and every real one. A gateway
 * declares what it lacks in `features`; a test skips itself only for a feature declared
 * missing, never to get green.
 */
export interface ContractFeatures {
  /** `origin.attempt` grows on redelivery (not every broker counts). */
  readonly countsRedeliveries: boolean;
  /** Members of one group share the messages. */
  readonly competingConsumers: boolean;
  /** Each consumer group gets every message (RabbitMQ has no groups: a queue is one group). */
  readonly independentGroups: boolean;
  /**
   * The broker keeps what is published while no consumer is there, and hands a consumer what
   * another left unsettled (false for core NATS: at-most-once). When false the suite subscribes,
   * waits for `onReady`, and only then publishes.
   */
  readonly durable: boolean;
  /** What one gateway published is there for another gateway after the first closed (not for the in-process broker). */
  readonly outlivesGateway: boolean;
}

export interface ContractGateway extends Source, Sink {
  /** Channel that `deadLetter` on a delivery from `channel` publishes to. */
  deadLetterChannel(channel: string): string;
  /** Makes `channels` exist (topics, queues, streams) before anyone publishes to them. */
  prepare(channels: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface ContractSetup {
  readonly name: string;
  readonly features: ContractFeatures;
  /** A fresh gateway; the suite names channels and groups uniquely per test with `unique`. */
  create(): Promise<ContractGateway>;
  /** How long a real broker may take to hand over a message. */
  readonly patienceMs: number;
}

const text = (d: Delivery) => new TextDecoder().decode(d.message.body);
const message = (body: string, key = 'order-1', headers: Record<string, string> = {}): OutboundMessage => ({
  body: new TextEncoder().encode(body),
  headers: { 'content-type': 'application/json', ...headers },
  key,
});

let counter = 0;
/** Names unique to this run and test: the brokers are shared and keep state between runs. */
export const unique = (what: string) => `orderly-contract-${process.pid}-${Date.now().toString(36)}-${++counter}-${what}`;

/** Subscribes and records every delivery; bounded waits, never sleeps longer than needed. */
function consume(gateway: ContractGateway, options: ConsumeOptions) {
  const deliveries: Delivery[] = [];
  let completed = false;
  let ready = 0;
  let error: unknown;
  const subscription: Subscription = gateway.consume({ ...options, onReady: () => ready++ }).subscribe({
    next: (d) => deliveries.push(d),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  return { deliveries, subscription, done: () => completed, failed: () => error, ready: () => ready > 0 };
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits `ms` and checks that `check` held the whole time: how "nothing more arrives" is asserted. */
async function staysTrue(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!check()) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

type Consumer = ReturnType<typeof consume>;

export function sourceContract(setup: ContractSetup): void {
  const { patienceMs, features } = setup;
  const quietMs = Math.min(500, patienceMs);
  const withGateway = async (run: (gateway: ContractGateway, channel: string, group: string) => Promise<void>) => {
    const gateway = await setup.create();
    const channel = unique('ch');
    try {
      await gateway.prepare([channel, gateway.deadLetterChannel(channel)]);
      await run(gateway, channel, unique('group'));
    } finally {
      await gateway.close();
    }
  };
  /**
   * A durable broker gets the messages first: a new group must start from the earliest. An
   * at-most-once one would drop them, so there the consumer subscribes and is ready first.
   */
  const consumeWith = async (gateway: ContractGateway, options: ConsumeOptions, publishAll: () => Promise<void>): Promise<Consumer> => {
    if (features.durable) await publishAll();
    const c = consume(gateway, options);
    if (!features.durable) {
      await eventually(c.ready, patienceMs, 'the consumer to be ready');
      await publishAll();
    }
    return c;
  };
  const publishEach = (gateway: ContractGateway, channel: string, bodies: readonly string[], key: (body: string) => string) => async () => {
    for (const body of bodies) await gateway.publish(channel, message(body, key(body)));
  };
  const ackAll = (c: Consumer) => Promise.all(c.deliveries.filter((d) => !d.settled).map((d) => d.ack()));

  describe(`${setup.name} - source contract`, () => {
    it('delivers what was published, with body, headers and key, in order per key', () =>
      withGateway(async (gateway, channel, group) => {
        const sent = ['a', 'b', 'c', 'd'];
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 10 }, async () => {
          for (const body of sent) await gateway.publish(channel, message(body, 'k1', { 'correlation_id': `corr-${body}` }));
        });
        await eventually(() => c.deliveries.length === sent.length, patienceMs, 'all messages');
        expect(c.deliveries.map(text)).toEqual(sent);
        expect(c.deliveries[0]!.message.headers['correlation_id']).toBe('corr-a');
        expect(c.deliveries[0]!.message.key).toBe('k1');
        expect(c.deliveries[0]!.origin.channel).toBe(channel);
        await ackAll(c);
        c.subscription.unsubscribe();
      }));

    it('says when the consumer is in place, and then misses nothing published', () =>
      withGateway(async (gateway, channel, group) => {
        const c = consume(gateway, { channels: [channel], group, credit: 5 });
        await eventually(c.ready, patienceMs, 'onReady');
        await gateway.publish(channel, message('after-ready'));
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the message published after ready');
        expect(text(c.deliveries[0]!)).toBe('after-ready');
        await ackAll(c);
        c.subscription.unsubscribe();
      }));

    it('never holds more than credit unsettled, and hands out more as deliveries settle', () =>
      withGateway(async (gateway, channel, group) => {
        const bodies = Array.from({ length: 8 }, (_, i) => `m${i}`);
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 3 }, publishEach(gateway, channel, bodies, (b) => `k${b}`));
        await eventually(() => c.deliveries.length === 3, patienceMs, 'the first three');
        expect(await staysTrue(() => c.deliveries.length === 3, quietMs)).toBe(true);
        await c.deliveries[0]!.ack();
        await eventually(() => c.deliveries.length === 4, patienceMs, 'one more after an ack');
        expect(c.deliveries.filter((d) => !d.settled).length).toBeLessThanOrEqual(3);
        // Settling one at a time, everything arrives and the bound holds throughout.
        while (c.deliveries.length < bodies.length) {
          expect(c.deliveries.filter((d) => !d.settled).length).toBeLessThanOrEqual(3);
          const count = c.deliveries.length;
          await ackAll(c);
          await eventually(() => c.deliveries.length > count, patienceMs, 'more after settling');
        }
        expect(c.deliveries.map(text).sort()).toEqual([...bodies].sort());
        await ackAll(c);
        c.subscription.unsubscribe();
      }));

    it.skipIf(!features.durable)('redelivers what a consumer left unsettled when it went away', () =>
      withGateway(async (gateway, channel, group) => {
        await gateway.publish(channel, message('left-behind'));
        const first = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => first.deliveries.length === 1, patienceMs, 'the first delivery');
        first.subscription.unsubscribe();
        const second = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => second.deliveries.length === 1, patienceMs, 'the redelivery');
        expect(text(second.deliveries[0]!)).toBe('left-behind');
        if (features.countsRedeliveries) expect(second.deliveries[0]!.origin.attempt).toBeGreaterThan(1);
        await second.deliveries[0]!.ack();
        second.subscription.unsubscribe();
      }));

    it('redelivers after retry, and forgets after ack', () =>
      withGateway(async (gateway, channel, group) => {
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 1 }, publishEach(gateway, channel, ['again'], () => 'order-1'));
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.retry(0);
        await eventually(() => c.deliveries.length === 2, patienceMs, 'the retried delivery');
        expect(text(c.deliveries[1]!)).toBe('again');
        if (features.countsRedeliveries) expect(c.deliveries[1]!.origin.attempt).toBe(2);
        await c.deliveries[1]!.ack();
        expect(await staysTrue(() => c.deliveries.length === 2, quietMs)).toBe(true);
        c.subscription.unsubscribe();
      }));

    it('keeps going after many failures: every message retried three times, then all acked', () =>
      withGateway(async (gateway, channel, group) => {
        const bodies = Array.from({ length: 10 }, (_, i) => `flaky-${i}`);
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 4 }, publishEach(gateway, channel, bodies, (b) => b));
        const failures = new Map<string, number>();
        const acked = new Set<string>();
        let handled = 0;
        await eventually(
          () => {
            for (; handled < c.deliveries.length; handled++) {
              const d = c.deliveries[handled]!;
              const body = text(d);
              const failed = failures.get(body) ?? 0;
              if (failed < 3) {
                failures.set(body, failed + 1);
                void d.retry(0);
              } else {
                acked.add(body);
                void d.ack();
              }
            }
            return acked.size === bodies.length;
          },
          patienceMs * 2,
          'every message to get through after its failures',
        );
        expect([...acked].sort()).toEqual([...bodies].sort());
        expect(await staysTrue(() => c.deliveries.length === handled, quietMs)).toBe(true);
        c.subscription.unsubscribe();
      }));

    it('keeps the order of each of 16 keys while they interleave', () =>
      withGateway(async (gateway, channel, group) => {
        const keys = Array.from({ length: 16 }, (_, k) => `key-${k}`);
        const perKey = 12;
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 16 }, async () => {
          // Interleaved and concurrent per round, in order within each key.
          for (let i = 0; i < perKey; i++) await Promise.all(keys.map((key) => gateway.publish(channel, message(`${key}:${i}`, key))));
        });
        const total = keys.length * perKey;
        let acked = 0;
        await eventually(
          () => {
            // Settle out of arrival order (newest first) so a broker that waits for the oldest would show it.
            for (const d of [...c.deliveries].reverse()) if (!d.settled) void d.ack().then(() => acked++);
            return acked >= total;
          },
          patienceMs * 2,
          `all ${total} messages`,
        );
        for (const key of keys) {
          const seen = c.deliveries.filter((d) => d.message.key === key).map((d) => Number(text(d).split(':')[1]));
          expect(seen, key).toEqual(Array.from({ length: perKey }, (_, i) => i));
        }
        c.subscription.unsubscribe();
      }));

    it('keeps channels apart', () =>
      withGateway(async (gateway, channel, group) => {
        const other = `${channel}-other`;
        await gateway.prepare([other, gateway.deadLetterChannel(other)]);
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 10 }, async () => {
          await gateway.publish(other, message('not-for-you'));
          await gateway.publish(channel, message('for-you'));
        });
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the message of the consumed channel');
        expect(text(c.deliveries[0]!)).toBe('for-you');
        await ackAll(c);
        expect(await staysTrue(() => c.deliveries.length === 1, quietMs)).toBe(true);
        c.subscription.unsubscribe();
        // The other channel's message is still there for its own consumer.
        if (features.durable) {
          const o = consume(gateway, { channels: [other], group, credit: 10 });
          await eventually(() => o.deliveries.length === 1, patienceMs, 'the other channel’s message');
          expect(text(o.deliveries[0]!)).toBe('not-for-you');
          await ackAll(o);
          o.subscription.unsubscribe();
        }
      }));

    it.skipIf(!features.durable)('continues after close and reopen: the union of what both got is what was published', () =>
      withGateway(async (gateway, channel, group) => {
        const bodies = Array.from({ length: 30 }, (_, i) => `r${i}`);
        await publishEach(gateway, channel, bodies, (b) => `k-${b}`)();
        const first = consume(gateway, { channels: [channel], group, credit: 5 });
        await eventually(() => first.deliveries.length >= 5, patienceMs, 'a first share');
        // Ack some, leave the rest unsettled, and go away.
        const acked = first.deliveries.slice(0, 3);
        await Promise.all(acked.map((d) => d.ack()));
        first.subscription.unsubscribe();
        const second = consume(gateway, { channels: [channel], group, credit: 5 });
        const got = new Set(acked.map(text));
        await eventually(
          () => {
            for (const d of second.deliveries) if (!d.settled) void d.ack();
            for (const d of second.deliveries) got.add(text(d));
            return got.size === bodies.length;
          },
          patienceMs * 2,
          'every message across both consumers',
        );
        expect([...got].sort()).toEqual([...bodies].sort());
        second.subscription.unsubscribe();
      }));

    it('survives closing everything at once while deliveries are in flight', async () => {
      const gateway = await setup.create();
      const channel = unique('ch');
      await gateway.prepare([channel, gateway.deadLetterChannel(channel)]);
      const consumers: Consumer[] = [];
      const publishAll = publishEach(gateway, channel, Array.from({ length: 20 }, (_, i) => `c${i}`), (b) => b);
      if (features.durable) await publishAll();
      for (let i = 0; i < 3; i++) consumers.push(consume(gateway, { channels: [channel], group: unique('group'), credit: 4 }));
      if (!features.durable) {
        await eventually(() => consumers.every((c) => c.ready()), patienceMs, 'the consumers to be ready');
        await publishAll();
      }
      await eventually(() => consumers.some((c) => c.deliveries.length > 0), patienceMs, 'some deliveries');
      const settling = consumers.flatMap((c) => c.deliveries.map((d) => d.ack().catch(() => 'refused')));
      const closing = [gateway.close(), gateway.close(), ...consumers.map((c) => Promise.resolve().then(() => c.subscription.unsubscribe()))];
      const outcome = await Promise.race([
        Promise.all([...closing, ...settling]).then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('hung'), patienceMs)),
      ]);
      expect(outcome).toBe('closed');
      expect(consumers.map((c) => c.failed())).toEqual(consumers.map(() => undefined));
      await gateway.close(); // still idempotent afterwards
    });

    it.skipIf(!features.outlivesGateway)('loses nothing a publisher confirmed when it is closed mid-stream', async () => {
      const consumerSide = await setup.create();
      const channel = unique('ch');
      try {
        await consumerSide.prepare([channel, consumerSide.deadLetterChannel(channel)]);
        const c = consume(consumerSide, { channels: [channel], group: unique('group'), credit: 50 });
        await eventually(c.ready, patienceMs, 'the consumer to be ready');
        const publisher = await setup.create();
        const confirmed: string[] = [];
        const publishing = Array.from({ length: 40 }, (_, i) =>
          publisher.publish(channel, message(`p${i}`, `k${i % 4}`)).then(
            () => void confirmed.push(`p${i}`),
            () => undefined, // refused because the publisher was closing: allowed, it was never confirmed
          ),
        );
        await new Promise((r) => setTimeout(r, 5));
        await publisher.close();
        await Promise.all(publishing);
        const got = new Set<string>();
        await eventually(
          () => {
            for (const d of c.deliveries) {
              got.add(text(d));
              if (!d.settled) void d.ack();
            }
            return confirmed.every((body) => got.has(body));
          },
          patienceMs,
          'every confirmed message',
        );
        c.subscription.unsubscribe();
      } finally {
        await consumerSide.close();
      }
    });

    it('dead-letters with the reason and the original headers and body', () =>
      withGateway(async (gateway, channel, group) => {
        const dlq = consume(gateway, { channels: [gateway.deadLetterChannel(channel)], group: unique('dlq-reader'), credit: 1 });
        if (!features.durable) await eventually(dlq.ready, patienceMs, 'the dead-letter reader to be ready');
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 1 }, async () => {
          await gateway.publish(channel, message('poison', 'k1', { 'x-original': 'kept' }));
        });
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.deadLetter({ code: 'validation', message: 'totalCents: must equal the sum', attempts: 1 });
        await eventually(() => dlq.deliveries.length === 1, patienceMs, 'the dead letter');
        const parked = dlq.deliveries[0]!;
        expect(text(parked)).toBe('poison');
        expect(parked.message.headers).toMatchObject({
          'x-original': 'kept',
          'x-dead-letter-code': 'validation',
          'x-dead-letter-reason': 'totalCents: must equal the sum',
          'x-original-channel': channel,
        });
        await parked.ack();
        expect(await staysTrue(() => c.deliveries.length === 1, quietMs)).toBe(true);
        dlq.subscription.unsubscribe();
        c.subscription.unsubscribe();
      }));

    it('refuses a second settlement without reaching the broker', () =>
      withGateway(async (gateway, channel, group) => {
        const c = await consumeWith(gateway, { channels: [channel], group, credit: 1 }, publishEach(gateway, channel, ['once'], () => 'order-1'));
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.ack();
        await expect(c.deliveries[0]!.retry(0)).rejects.toBeInstanceOf(SettlementError);
        expect(await staysTrue(() => c.deliveries.length === 1, Math.min(300, patienceMs))).toBe(true);
        c.subscription.unsubscribe();
      }));

    it('drains on abort: nothing new is handed out, held deliveries still settle, then it completes', () =>
      withGateway(async (gateway, channel, group) => {
        const intake = new AbortController();
        const c = await consumeWith(
          gateway,
          { channels: [channel], group, credit: 2, signal: intake.signal },
          publishEach(gateway, channel, ['x', 'y', 'z'], (b) => `k-${b}`),
        );
        await eventually(() => c.deliveries.length === 2, patienceMs, 'two deliveries');
        intake.abort();
        await Promise.all(c.deliveries.map((d) => d.ack()));
        await eventually(() => c.done(), patienceMs, 'completion after the drain');
        expect(c.deliveries).toHaveLength(2);
        if (!features.durable) return; // at-most-once: what was not handed out is gone, as the feature says
        // The third is still there for the next consumer: nothing lost. (Which one is third is the
        // broker's choice: different keys may sit in different partitions.)
        const leftOver = ['x', 'y', 'z'].find((body) => !c.deliveries.map(text).includes(body));
        const next = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => next.deliveries.length === 1, patienceMs, 'the message left for later');
        expect(text(next.deliveries[0]!)).toBe(leftOver);
        await next.deliveries[0]!.ack();
        next.subscription.unsubscribe();
      }));

    it.skipIf(!features.competingConsumers)('shares one group’s messages between its consumers', () =>
      withGateway(async (gateway, channel, group) => {
        const a = consume(gateway, { channels: [channel], group, credit: 1 });
        const b = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => a.ready() && b.ready(), patienceMs, 'both consumers to be ready');
        await gateway.publish(channel, message('one', 'k1'));
        await gateway.publish(channel, message('two', 'k2'));
        await eventually(() => a.deliveries.length + b.deliveries.length === 2, patienceMs, 'both messages');
        expect(a.deliveries.length).toBe(1);
        expect(b.deliveries.length).toBe(1);
        await Promise.all([...a.deliveries, ...b.deliveries].map((d) => d.ack()));
        a.subscription.unsubscribe();
        b.subscription.unsubscribe();
      }));

    it.skipIf(!features.independentGroups)('gives every group every message', () =>
      withGateway(async (gateway, channel, group) => {
        const first = consume(gateway, { channels: [channel], group, credit: 5 });
        const second = consume(gateway, { channels: [channel], group: `${group}-other`, credit: 5 });
        await eventually(() => first.ready() && second.ready(), patienceMs, 'both groups to be ready');
        await gateway.publish(channel, message('fan-out'));
        await eventually(() => first.deliveries.length === 1 && second.deliveries.length === 1, patienceMs, 'both groups');
        await Promise.all([...first.deliveries, ...second.deliveries].map((d) => d.ack()));
        first.subscription.unsubscribe();
        second.subscription.unsubscribe();
      }));
  });
}
