import type { DecodeFailureCode } from '../../domain/decodeEnvelope.js';
import { buildEnvelope, encodeStructured, type BuildEnvelopeInput } from '../../domain/encodeEnvelope.js';
import type { EventType, OrderEvent } from '../../domain/orderEvents.js';
import type { OutboundMessage } from '../../streams/source.js';

export interface SimulationOptions {
  /** Orders the stream tells the story of; a whole number, at least 1. */
  readonly orders: number;
  /** Seed of every random choice: the same seed (and run id) gives the same stream, byte for byte. */
  readonly seed: number;
  /** Put in every order and event id, so that two runs with one seed are not each other's duplicates. @default 'sim' */
  readonly runId?: string;
  /** Epoch ms of the first message's time; each next message is 10 ms later. @default 2030-01-01T00:00:00Z */
  readonly startMs?: number;
  /** Orders under way at once, whose messages interleave. @default 8 */
  readonly concurrency?: number;
  /** Chance that a valid event is published again later in its order's story, same id and bytes. @default 0.05 */
  readonly duplicateRate?: number;
  /** Chance that an invalid message is slipped into an order's story, per valid event. @default 0.03 */
  readonly invalidRate?: number;
}

/** One message of the simulated stream, with what it stands for. */
export type SimulatedMessage = {
  readonly orderId: string;
  /** The CloudEvent id (a duplicate repeats its original's). */
  readonly id: string;
  readonly message: OutboundMessage;
  /** Orders whose last message has been yielded, this one's included: the run's progress. */
  readonly ordersDone: number;
} & (
  | { readonly kind: 'event' | 'duplicate'; readonly type: EventType }
  | { readonly kind: 'invalid'; /** What `decodeEnvelope` says of it. */ readonly expected: DecodeFailureCode }
);

type Step =
  | { readonly kind: 'event'; readonly event: OrderEvent; readonly id: string; encoded?: OutboundMessage }
  | { readonly kind: 'duplicate'; readonly of: Step & { kind: 'event' } }
  | { readonly kind: 'invalid'; readonly expected: DecodeFailureCode; readonly id: string; readonly orderId: string };

const CATALOG = [
  { productId: 'sku-mug', priceCents: 1200 },
  { productId: 'sku-tee', priceCents: 2500 },
  { productId: 'sku-cap', priceCents: 1800 },
  { productId: 'sku-book', priceCents: 3999 },
  { productId: 'sku-sticker', priceCents: 300 },
] as const;
const DECLINES = ['card declined', 'insufficient funds', 'issuer unavailable'] as const;
const CARRIERS = ['DHL', 'UPS', 'PostNL', 'La Poste'] as const;
const INVALID: readonly DecodeFailureCode[] = ['decode', 'unknown-type', 'unknown-version', 'validation'];

/**
 * A realistic, seeded stream of order events, lazily: each order is created, then paid (some
 * payments fail and are retried, some orders give up), shipped or cancelled; some events are
 * published twice and a few invalid messages are slipped in. The messages of one order come in
 * story order; `concurrency` orders interleave. Pure: no I/O, no clock, no global randomness.
 */
export function* simulateOrders(options: SimulationOptions): Generator<SimulatedMessage, void, undefined> {
  const random = mulberry32(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const runId = options.runId ?? 'sim';
  const startMs = options.startMs ?? Date.parse('2030-01-01T00:00:00Z');
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const active: { steps: Step[]; next: number }[] = [];
  let started = 0;
  let done = 0;
  let emitted = 0;
  const refill = () => {
    while (active.length < concurrency && started < options.orders) active.push({ steps: decorate(story(`${runId}-o${++started}`)), next: 0 });
  };

  const story = (orderId: string): Step[] => {
    let n = 0;
    const step = (event: OrderEvent): Step => ({ kind: 'event', event, id: `${orderId}-e${++n}` });
    const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ ...pick(CATALOG), quantity: 1 + Math.floor(random() * 3) }));
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.priceCents, 0);
    const userId = `u${1 + Math.floor(random() * 20)}`;
    const currency = random() < 0.8 ? 'EUR' : 'USD';
    // `timestamp` is filled in when the step is yielded, with the message's time.
    const steps = [step({ type: 'order.created', data: { orderId, userId, items, totalCents, currency, timestamp: '' } })];
    const fate = random();
    if (fate < 0.05) return steps; // abandoned: stays pending
    if (fate < 0.13) return [...steps, step({ type: 'order.cancelled', data: { orderId, reason: 'customer changed their mind' } })];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const paymentId = `${orderId}-pay${attempt}`;
      if (random() < 0.2) {
        steps.push(step({ type: 'payment.failed', data: { orderId, paymentId, reason: pick(DECLINES) } }));
        continue;
      }
      steps.push(step({ type: 'payment.completed', data: { orderId, paymentId, amountCents: totalCents } }));
      steps.push(
        random() < 0.9
          ? step({ type: 'order.shipped', data: { orderId, carrier: pick(CARRIERS), trackingNumber: `TRK${Math.floor(random() * 1e9).toString().padStart(9, '0')}` } })
          : step({ type: 'order.cancelled', data: { orderId, reason: 'out of stock' } }),
      );
      return steps;
    }
    return [...steps, step({ type: 'order.cancelled', data: { orderId, reason: 'payment failed 3 times' } })];
  };

  // Duplicates land after their original; invalid messages anywhere (they change no state).
  const decorate = (steps: Step[]): Step[] => {
    const out = [...steps];
    let invalids = 0;
    for (const original of steps) {
      if (original.kind !== 'event') continue;
      if (random() < (options.duplicateRate ?? 0.05)) {
        const after = out.indexOf(original) + 1;
        out.splice(after + Math.floor(random() * (out.length - after + 1)), 0, { kind: 'duplicate', of: original });
      }
      if (random() < (options.invalidRate ?? 0.03)) {
        const orderId = original.event.data.orderId;
        out.splice(Math.floor(random() * (out.length + 1)), 0, { kind: 'invalid', expected: pick(INVALID), id: `${orderId}-x${++invalids}`, orderId });
      }
    }
    return out;
  };

  refill();
  while (active.length > 0) {
    const at = Math.floor(random() * active.length);
    const order = active[at]!;
    const step = order.steps[order.next++]!;
    if (order.next === order.steps.length) {
      active.splice(at, 1);
      done++;
      refill();
    }
    const time = new Date(startMs + 10 * emitted++).toISOString();
    const orderId = orderIdOf(step);
    switch (step.kind) {
      case 'event': {
        const event: OrderEvent = step.event.type === 'order.created' ? { ...step.event, data: { ...step.event.data, timestamp: time } } : step.event;
        const input = { ...event, id: step.id, correlationId: step.id, source: '/orderly/simulate', occurredAt: time } as BuildEnvelopeInput<EventType>;
        step.encoded = encodeStructured(buildEnvelope(input));
        yield { kind: 'event', type: step.event.type, orderId, id: step.id, message: step.encoded, ordersDone: done };
        break;
      }
      case 'duplicate':
        yield { kind: 'duplicate', type: step.of.event.type, orderId, id: step.of.id, message: step.of.encoded!, ordersDone: done };
        break;
      case 'invalid':
        yield { kind: 'invalid', expected: step.expected, orderId, id: step.id, message: invalidMessage(step.expected, step.id, orderId, time), ordersDone: done };
        break;
    }
  }
}

function orderIdOf(step: Step): string {
  if (step.kind === 'event') return step.event.data.orderId;
  if (step.kind === 'duplicate') return step.of.event.data.orderId;
  return step.orderId;
}

/** A structured CloudEvent that fails decoding with `expected`. */
function invalidMessage(expected: DecodeFailureCode, id: string, orderId: string, time: string): OutboundMessage {
  const event = (type: string, data: object, version: number) => ({
    specversion: '1.0', id, source: '/orderly/simulate', type, time, datacontenttype: 'application/json', dataversion: version, correlationid: id, partitionkey: orderId, data,
  });
  const text = {
    decode: () => JSON.stringify(event('payment.completed', { orderId, paymentId: `${orderId}-pay1`, amountCents: 100 }, 1)).slice(0, 60),
    'unknown-type': () => JSON.stringify(event('order.refunded', { orderId, amountCents: 100 }, 1)),
    'unknown-version': () => JSON.stringify(event('payment.completed', { orderId, paymentId: `${orderId}-pay1`, amountCents: 100 }, 9)),
    validation: () =>
      JSON.stringify(event('order.created', { orderId, userId: 'u1', items: [{ productId: 'sku-mug', quantity: 1, priceCents: 1200 }], totalCents: 999, currency: 'EUR', timestamp: time }, 2)),
  }[expected]();
  return {
    body: new TextEncoder().encode(text),
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', correlation_id: id, 'message-id': id },
    key: orderId,
  };
}

/** A small, fast, seeded PRNG (32-bit state): numbers in [0, 1). The scale harness's load plans draw from it too. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
