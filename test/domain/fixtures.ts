// Shared test data for the domain: a decode context, valid events, and fast-check arbitraries
// that only produce events every schema must accept.
import fc from 'fast-check';
import type { DecodeContext, RawEvent } from '../../src/domain/decodeEnvelope.js';
import {
  CURRENT_VERSION,
  type EventDataMap,
  type OrderCreated,
  type OrderEvent,
} from '../../src/domain/orderEvents.js';

export function context(overrides: Partial<DecodeContext> = {}): DecodeContext {
  return {
    channel: 'order.created',
    coordinates: { partition: '3', offset: '17' },
    gateway: 'kafka',
    defaultCurrency: 'EUR',
    maxBodyBytes: 64 * 1024,
    now: () => Date.parse('2030-05-06T07:08:09.000Z'),
    newId: () => 'generated-correlation',
    ...overrides,
  };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));

export function orderCreated(overrides: Partial<OrderCreated> = {}): OrderCreated {
  return {
    orderId: 'order-1',
    userId: 'user-1',
    items: [
      { productId: 'p-1', quantity: 2, priceCents: 500 },
      { productId: 'p-2', quantity: 1, priceCents: 200 },
    ],
    totalCents: 1200,
    currency: 'USD',
    timestamp: '2024-01-02T15:04:05.999999999Z',
    ...overrides,
  };
}

/** The Go producers' order.created: v1, no currency. */
export function orderCreatedV1(): Omit<OrderCreated, 'currency'> {
  const { currency: _currency, ...v1 } = orderCreated();
  return v1;
}

export const paymentCompleted = (): EventDataMap['payment.completed'] => ({
  orderId: 'order-1',
  paymentId: 'pay-1',
  amountCents: 1200,
});

/** A structured-mode CloudEvent body with every attribute; override or drop (undefined) any. */
export function structured(attributes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/shop/checkout',
    type: 'order.created',
    time: '2024-01-02T15:04:05Z',
    datacontenttype: 'application/json',
    data: orderCreated(),
    ...attributes,
  };
}

/** The three ways a producer may send `event`, each a RawEvent a gateway would hand over. */
export function inAllModes(event: OrderEvent, id: string): { mode: string; raw: RawEvent; channel: string }[] {
  const version = String(CURRENT_VERSION[event.type]);
  return [
    {
      mode: 'structured',
      channel: 'events',
      raw: {
        body: json({ specversion: '1.0', id, source: '/test', type: event.type, dataversion: version, data: event.data }),
        headers: { 'Content-Type': 'application/cloudevents+json; charset=utf-8' },
      },
    },
    {
      mode: 'binary',
      channel: 'events',
      raw: {
        body: json(event.data),
        headers: { ce_specversion: '1.0', ce_id: id, ce_source: '/test', ce_type: event.type, ce_dataversion: version },
      },
    },
    {
      mode: 'plain',
      channel: event.type,
      raw: { body: json(event.data), headers: { 'message-id': id } },
    },
  ];
}

// Arbitraries. Strings are already trimmed, so decoded data must equal them exactly.

const text = (maxLength: number) =>
  fc
    .string({ minLength: 1, maxLength, unit: 'grapheme' })
    .map((value) => value.trim())
    .filter((value) => value.length > 0 && value.length <= maxLength);

export const idArb = text(40);

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** RFC 3339 with offset: `Z` or `±hh:mm`, with 0 to 9 fractional digits (Go's RFC3339Nano). */
export const timestampArb = fc
  .record({
    date: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }),
    fraction: fc.stringMatching(/^[0-9]{0,9}$/),
    offset: fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([sign, h, m]) => `${sign}${pad(h)}:${pad(m)}`)),
  })
  .map(({ date, fraction, offset }) => `${date.toISOString().slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}${offset}`);

export const currencyArb = fc.constantFrom(...Intl.supportedValuesOf('currency'));

const itemArb = fc.record({
  productId: idArb,
  quantity: fc.integer({ min: 1, max: 10_000 }),
  priceCents: fc.integer({ min: 0, max: 10_000_000 }),
});

export const orderCreatedArb: fc.Arbitrary<OrderCreated> = fc
  .record({
    orderId: idArb,
    userId: idArb,
    items: fc.array(itemArb, { minLength: 1, maxLength: 5 }),
    currency: currencyArb,
    timestamp: timestampArb,
  })
  .map((order) => ({ ...order, totalCents: order.items.reduce((sum, item) => sum + item.quantity * item.priceCents, 0) }));

export const orderEventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  orderCreatedArb.map((data) => ({ type: 'order.created' as const, data })),
  fc
    .record({ orderId: idArb, paymentId: idArb, amountCents: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) })
    .map((data) => ({ type: 'payment.completed' as const, data })),
  fc.record({ orderId: idArb, paymentId: idArb, reason: text(300) }).map((data) => ({ type: 'payment.failed' as const, data })),
  fc.record({ orderId: idArb, reason: text(300) }).map((data) => ({ type: 'order.cancelled' as const, data })),
  fc
    .record({ orderId: idArb, carrier: text(40), trackingNumber: text(40) })
    .map((data) => ({ type: 'order.shipped' as const, data })),
);
