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
  let error: unknown;
  const subscription: Subscription = gateway.consume(options).subscribe({
    next: (d) => deliveries.push(d),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  return { deliveries, subscription, done: () => completed, failed: () => error };
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

export function sourceContract(setup: ContractSetup): void {
  const { patienceMs } = setup;
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

  describe(`${setup.name} - source contract`, () => {
    it('delivers what was published, with body, headers and key, in order per key', () =>
      withGateway(async (gateway, channel, group) => {
        const sent = ['a', 'b', 'c', 'd'];
        for (const body of sent) await gateway.publish(channel, message(body, 'k1', { 'correlation_id': `corr-${body}` }));
        const c = consume(gateway, { channels: [channel], group, credit: 10 });
        await eventually(() => c.deliveries.length === sent.length, patienceMs, 'all messages');
        expect(c.deliveries.map(text)).toEqual(sent);
        expect(c.deliveries[0]!.message.headers['correlation_id']).toBe('corr-a');
        expect(c.deliveries[0]!.origin.channel).toBe(channel);
        await Promise.all(c.deliveries.map((d) => d.ack()));
        c.subscription.unsubscribe();
      }));

    it('never holds more than credit unsettled, and hands out more as deliveries settle', () =>
      withGateway(async (gateway, channel, group) => {
        for (let i = 0; i < 8; i++) await gateway.publish(channel, message(`m${i}`, `k${i}`));
        const c = consume(gateway, { channels: [channel], group, credit: 3 });
        await eventually(() => c.deliveries.length === 3, patienceMs, 'the first three');
        expect(await staysTrue(() => c.deliveries.length === 3, Math.min(500, patienceMs))).toBe(true);
        await c.deliveries[0]!.ack();
        await eventually(() => c.deliveries.length === 4, patienceMs, 'one more after an ack');
        expect(c.deliveries.filter((d) => !d.settled).length).toBeLessThanOrEqual(3);
        await Promise.all(c.deliveries.filter((d) => !d.settled).map((d) => d.ack()));
        c.subscription.unsubscribe();
      }));

    it('redelivers what a consumer left unsettled when it went away', () =>
      withGateway(async (gateway, channel, group) => {
        await gateway.publish(channel, message('left-behind'));
        const first = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => first.deliveries.length === 1, patienceMs, 'the first delivery');
        first.subscription.unsubscribe();
        const second = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => second.deliveries.length === 1, patienceMs, 'the redelivery');
        expect(text(second.deliveries[0]!)).toBe('left-behind');
        if (setup.features.countsRedeliveries) expect(second.deliveries[0]!.origin.attempt).toBeGreaterThan(1);
        await second.deliveries[0]!.ack();
        second.subscription.unsubscribe();
      }));

    it('redelivers after retry, and forgets after ack', () =>
      withGateway(async (gateway, channel, group) => {
        await gateway.publish(channel, message('again'));
        const c = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.retry(0);
        await eventually(() => c.deliveries.length === 2, patienceMs, 'the retried delivery');
        expect(text(c.deliveries[1]!)).toBe('again');
        await c.deliveries[1]!.ack();
        expect(await staysTrue(() => c.deliveries.length === 2, Math.min(500, patienceMs))).toBe(true);
        c.subscription.unsubscribe();
      }));

    it('dead-letters with the reason and the original headers and body', () =>
      withGateway(async (gateway, channel, group) => {
        await gateway.publish(channel, message('poison', 'k1', { 'x-original': 'kept' }));
        const c = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.deadLetter({ code: 'validation', message: 'totalCents: must equal the sum', attempts: 1 });
        const dlq = consume(gateway, { channels: [gateway.deadLetterChannel(channel)], group: unique('dlq-reader'), credit: 1 });
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
        dlq.subscription.unsubscribe();
        c.subscription.unsubscribe();
      }));

    it('refuses a second settlement without reaching the broker', () =>
      withGateway(async (gateway, channel, group) => {
        await gateway.publish(channel, message('once'));
        const c = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => c.deliveries.length === 1, patienceMs, 'the delivery');
        await c.deliveries[0]!.ack();
        await expect(c.deliveries[0]!.retry(0)).rejects.toBeInstanceOf(SettlementError);
        expect(await staysTrue(() => c.deliveries.length === 1, Math.min(300, patienceMs))).toBe(true);
        c.subscription.unsubscribe();
      }));

    it('drains on abort: nothing new is handed out, held deliveries still settle, then it completes', () =>
      withGateway(async (gateway, channel, group) => {
        for (const body of ['x', 'y', 'z']) await gateway.publish(channel, message(body, `k-${body}`));
        const intake = new AbortController();
        const c = consume(gateway, { channels: [channel], group, credit: 2, signal: intake.signal });
        await eventually(() => c.deliveries.length === 2, patienceMs, 'two deliveries');
        intake.abort();
        await Promise.all(c.deliveries.map((d) => d.ack()));
        await eventually(() => c.done(), patienceMs, 'completion after the drain');
        expect(c.deliveries).toHaveLength(2);
        // The third is still there for the next consumer: nothing lost. (Which one is third is the
        // broker's choice: different keys may sit in different partitions.)
        const leftOver = ['x', 'y', 'z'].find((body) => !c.deliveries.map(text).includes(body));
        const next = consume(gateway, { channels: [channel], group, credit: 1 });
        await eventually(() => next.deliveries.length === 1, patienceMs, 'the message left for later');
        expect(text(next.deliveries[0]!)).toBe(leftOver);
        await next.deliveries[0]!.ack();
        next.subscription.unsubscribe();
      }));

    it.skipIf(!setup.features.competingConsumers)('shares one group’s messages between its consumers', () =>
      withGateway(async (gateway, channel, group) => {
        const a = consume(gateway, { channels: [channel], group, credit: 1 });
        const b = consume(gateway, { channels: [channel], group, credit: 1 });
        await gateway.publish(channel, message('one', 'k1'));
        await gateway.publish(channel, message('two', 'k2'));
        await eventually(() => a.deliveries.length + b.deliveries.length === 2, patienceMs, 'both messages');
        expect(a.deliveries.length).toBe(1);
        expect(b.deliveries.length).toBe(1);
        await Promise.all([...a.deliveries, ...b.deliveries].map((d) => d.ack()));
        a.subscription.unsubscribe();
        b.subscription.unsubscribe();
      }));

    it.skipIf(!setup.features.independentGroups)('gives every group every message', () =>
      withGateway(async (gateway, channel, group) => {
        const first = consume(gateway, { channels: [channel], group, credit: 5 });
        const second = consume(gateway, { channels: [channel], group: `${group}-other`, credit: 5 });
        await gateway.publish(channel, message('fan-out'));
        await eventually(() => first.deliveries.length === 1 && second.deliveries.length === 1, patienceMs, 'both groups');
        await Promise.all([...first.deliveries, ...second.deliveries].map((d) => d.ack()));
        first.subscription.unsubscribe();
        second.subscription.unsubscribe();
      }));
  });
}

