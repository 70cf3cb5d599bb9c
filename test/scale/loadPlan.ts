import { mulberry32 } from '../../src/app/cli/simulateOrders.js';
import { buildEnvelope, encodeStructured, type BuildEnvelopeInput } from '../../src/domain/encodeEnvelope.js';
import type { EventType, OrderEvent } from '../../src/domain/orderEvents.js';
import type { OutboundMessage } from '../../src/streams/source.js';
import type { JournalEntry } from './journal.js';

export interface LoadPlanOptions {
  readonly orders: number;
  /** Messages in all (duplicates and invalid ones included), spread evenly over the orders; at least one per order. */
  readonly events: number;
  /** Owners of the orders, `<runId>-u1` … : order n belongs to user n mod users. */
  readonly users: number;
  readonly seed: number;
  /** Put in every order, user and event id, so runs never share one. */
  readonly runId: string;
  /**
   * `story`: created, failed payments, a completed one, shipped or cancelled, with duplicates,
   * invalid messages and events the rules refuse mixed in. `commuting`: created plus failed
   * payments only, which the rules accept in any order once the order exists (the stash covers
   * the ones that come before it): for the race proof, where no order of arrival is promised.
   */
  readonly mix: 'story' | 'commuting';
}

/** One message to publish, with what the journal records of it once the broker confirms it. */
export interface PlannedMessage extends Omit<JournalEntry, 'confirmedAt'> {
  readonly message: OutboundMessage;
}

const CATALOG = [
  { productId: 'sku-mug', priceCents: 1200 },
  { productId: 'sku-tee', priceCents: 2500 },
  { productId: 'sku-book', priceCents: 3999 },
] as const;

/**
 * The load of a run, per order in publish order. Pure and seeded. Every valid event is built
 * with Orderly's own `buildEnvelope` + `encodeStructured` (structured CloudEvents, keyed by
 * order id); invalid ones are bytes `decodeEnvelope` refuses, with a `message-id` header so that
 * their dead letters can be matched.
 */
export function planLoad(options: LoadPlanOptions): PlannedMessage[][] {
  return [...planOrders(options)];
}

/**
 * `planLoad`, one order at a time as it is asked for: a producer that publishes a million messages
 * holds only the orders it is publishing, not every encoded message of the run (gigabytes that its
 * garbage collector walked, on the CPU the consumer under test shares). The same orders as `planLoad`.
 */
export function* planOrders(options: LoadPlanOptions): Generator<PlannedMessage[], void, undefined> {
  const random = mulberry32(options.seed);
  const base = Math.floor(options.events / options.orders);
  const extra = options.events - base * options.orders;
  for (let n = 0; n < options.orders; n++) {
    const orderId = `${options.runId}-o${n + 1}`;
    const userId = `${options.runId}-u${(n % options.users) + 1}`;
    const length = Math.max(1, base + (n < extra ? 1 : 0));
    yield options.mix === 'story' ? story(orderId, userId, length, random) : commuting(orderId, userId, length);
  }
}

type Slot = { kind: 'event'; event: OrderEvent } | { kind: 'duplicate' } | { kind: 'invalid'; what: 'decode' | 'validation' | 'unknown-type' };

function story(orderId: string, userId: string, length: number, random: () => number): PlannedMessage[] {
  const items = [{ ...CATALOG[Math.floor(random() * CATALOG.length)]!, quantity: 1 + Math.floor(random() * 3) }];
  const totalCents = items[0]!.quantity * items[0]!.priceCents;
  const slots: Slot[] = [{ kind: 'event', event: { type: 'order.created', data: { orderId, userId, items, totalCents, currency: 'EUR', timestamp: '2030-01-01T00:00:00Z' } } }];
  const fate = random();
  const tail: OrderEvent[] =
    fate < 0.7
      ? [
          { type: 'payment.completed', data: { orderId, paymentId: `${orderId}-paid`, amountCents: totalCents } },
          { type: 'order.shipped', data: { orderId, carrier: 'DHL', trackingNumber: `${orderId}-trk` } },
        ]
      : fate < 0.8
        ? [
            { type: 'payment.completed', data: { orderId, paymentId: `${orderId}-paid`, amountCents: totalCents } },
            { type: 'order.cancelled', data: { orderId, reason: 'out of stock' } },
          ]
        : fate < 0.9
          ? [{ type: 'order.cancelled', data: { orderId, reason: 'changed their mind' } }]
          : [];
  const room = length - 1;
  const ending = tail.slice(0, Math.min(tail.length, room));
  for (let i = 0; i < room - ending.length; i++) {
    const roll = random();
    if (roll < 0.04) slots.push({ kind: 'invalid', what: (['decode', 'validation', 'unknown-type'] as const)[Math.floor(random() * 3)]! });
    else if (roll < 0.08) slots.push({ kind: 'event', event: { type: 'order.shipped', data: { orderId, carrier: 'UPS', trackingNumber: `${orderId}-early${i}` } } }); // refused: not paid yet
    else if (roll < 0.14) slots.push({ kind: 'duplicate' });
    else slots.push({ kind: 'event', event: { type: 'payment.failed', data: { orderId, paymentId: `${orderId}-f${i}`, reason: 'card declined' } } });
  }
  for (const event of ending) slots.push({ kind: 'event', event });
  return toMessages(orderId, userId, slots, random);
}

function commuting(orderId: string, userId: string, length: number): PlannedMessage[] {
  const slots: Slot[] = [
    { kind: 'event', event: { type: 'order.created', data: { orderId, userId, items: [{ ...CATALOG[0], quantity: 1 }], totalCents: CATALOG[0].priceCents, currency: 'EUR', timestamp: '2030-01-01T00:00:00Z' } } },
  ];
  for (let i = 1; i < length; i++) slots.push({ kind: 'event', event: { type: 'payment.failed', data: { orderId, paymentId: `${orderId}-f${i}`, reason: 'card declined' } } });
  return toMessages(orderId, userId, slots, () => 0);
}

function toMessages(orderId: string, userId: string, slots: readonly Slot[], random: () => number): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  const repeatable: PlannedMessage[] = []; // created and failed payments: applied whenever they come, so a re-send is a pure duplicate
  slots.forEach((slot, i) => {
    const seq = i + 1;
    const id = `${orderId}-e${seq}`;
    if (slot.kind === 'duplicate' && repeatable.length > 0) {
      const original = repeatable[Math.floor(random() * repeatable.length)]!;
      out.push({ ...original, seq, kind: 'duplicate' });
    } else if (slot.kind === 'invalid') {
      out.push({ id, orderId, userId, seq, kind: 'invalid', type: slot.what, message: invalidMessage(slot.what, id, orderId) });
    } else {
      const event: OrderEvent = slot.kind === 'event' ? slot.event : { type: 'payment.failed', data: { orderId, paymentId: `${orderId}-d${seq}`, reason: 'card declined' } };
      const input = { ...event, id, correlationId: id, source: '/orderly/scale', occurredAt: '2030-01-01T00:00:00Z' } as BuildEnvelopeInput<EventType>;
      const planned: PlannedMessage = { id, orderId, userId, seq, kind: 'event', type: event.type, data: event.data, message: encodeStructured(buildEnvelope(input)) };
      out.push(planned);
      if (event.type === 'order.created' || event.type === 'payment.failed') repeatable.push(planned);
    }
  });
  return out;
}

function invalidMessage(what: 'decode' | 'validation' | 'unknown-type', id: string, orderId: string): OutboundMessage {
  const event = (type: string, data: object) => ({ specversion: '1.0', id, source: '/orderly/scale', type, datacontenttype: 'application/json', dataversion: 1, partitionkey: orderId, data });
  const text = {
    decode: () => JSON.stringify(event('payment.failed', { orderId })).slice(0, 40),
    validation: () => JSON.stringify(event('payment.completed', { orderId, paymentId: `${orderId}-bad`, amountCents: -5 })),
    'unknown-type': () => JSON.stringify(event('order.refunded', { orderId, amountCents: 5 })),
  }[what]();
  return { body: new TextEncoder().encode(text), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'message-id': id }, key: orderId };
}

