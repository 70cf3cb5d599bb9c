// Properties of the decoder: it never throws, whatever the bytes and headers; every refusal has a
// known code and a short one-line reason; every success is a valid, current-version envelope;
// and every valid event decodes, in each of the three modes, to exactly the data sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRfc3339DateTime } from '../../src/domain/dateTime.js';
import { decodeEnvelope, type DecodeResult, type RawEvent } from '../../src/domain/decodeEnvelope.js';
import { CURRENT_VERSION, isEventType, validateEventData } from '../../src/domain/orderEvents.js';
import { context, idArb, inAllModes, json, orderEventArb, timestampArb, utf8 } from '../domain/fixtures.js';

const CODES = ['decode', 'unknown-type', 'unknown-version', 'validation'];

/** Everything a caller may rely on in a result, whatever the input was. */
function expectWellFormed(result: DecodeResult): void {
  if (!result.ok) {
    expect(CODES).toContain(result.code);
    expect(result.message.length).toBeGreaterThan(0);
    expect(result.message.length).toBeLessThan(3000);
    expect(result.message).not.toMatch(/[\n\r]/);
    return;
  }
  const { envelope } = result;
  expect(isEventType(envelope.type)).toBe(true);
  expect(envelope.version).toBe(CURRENT_VERSION[envelope.type]);
  // Decoded data is already normalised: validating it again changes nothing.
  expect(validateEventData(envelope.type, envelope.version, envelope.data)).toEqual({ ok: true, data: envelope.data });
  for (const field of [envelope.id, envelope.key, envelope.correlationId, envelope.source]) {
    expect(typeof field === 'string' && field.length > 0).toBe(true);
  }
  expect(isRfc3339DateTime(envelope.occurredAt)).toBe(true);
  for (const name of Object.keys(envelope.headers)) expect(name).toBe(name.toLowerCase());
}

const HEADER_NAMES = [
  'content-type', 'Content-Type', 'ce-specversion', 'ce_specversion', 'CE-SPECVERSION', 'ce-id', 'ce_id', 'ce-source',
  'ce_source', 'ce-type', 'ce_type', 'ce-time', 'ce_time', 'ce-dataversion', 'ce_dataversion', 'ce_partitionkey',
  'ce-correlationid', 'ce_datacontenttype', 'message-id', 'dataversion', 'version', 'correlation_id', 'x-correlation-id',
  '__proto__', 'constructor',
];
const HEADER_VALUES = [
  '1.0', '0.3', '', ' ', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json',
  'text/plain', 'order.created', 'payment.completed', 'order.paid', '1', '2', '3', '1.5', 'x', '2024-01-02T15:04:05Z',
];

const headersArb = fc.dictionary(
  fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ maxLength: 20 })),
  fc.oneof(fc.constantFrom(...HEADER_VALUES), fc.string({ maxLength: 30 }), timestampArb, idArb),
  { maxKeys: 8 },
);

const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataversion', 'correlationid', 'partitionkey', 'data', 'data_base64'];

/** A valid structured event with one attribute or one data field replaced by arbitrary JSON or removed. */
const mutatedEventArb = fc
  .record({
    event: orderEventArb,
    attribute: fc.constantFrom(...ATTRIBUTES),
    field: fc.constantFrom('orderId', 'userId', 'items', 'totalCents', 'currency', 'timestamp', 'amountCents', 'reason', 'carrier', 'quantity'),
    replacement: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    inData: fc.boolean(),
  })
  .map(({ event, attribute, field, replacement, inData }) => {
    const data = structuredClone(event.data) as Record<string, unknown>;
    const cloudEvent: Record<string, unknown> = {
      specversion: '1.0', id: 'evt', source: '/p', type: event.type, dataversion: CURRENT_VERSION[event.type],
      partitionkey: event.data.orderId, data,
    };
    const items = data['items'];
    const target = (!inData ? cloudEvent : field === 'quantity' && Array.isArray(items) ? items[0] : data) as Record<string, unknown>;
    const key = inData ? field : attribute;
    if (replacement === undefined) delete target[key];
    else target[key] = replacement;
    return cloudEvent;
  });

/** The mutated event sent in one of the three modes, with some noise in the headers. */
const mutatedRawArb: fc.Arbitrary<RawEvent> = fc
  .record({ event: mutatedEventArb, mode: fc.constantFrom('structured', 'sniffed', 'binary', 'plain'), noise: headersArb })
  .map(({ event, mode, noise }) => {
    if (mode === 'structured') return { body: json(event), headers: { ...noise, 'content-type': 'application/cloudevents+json' } };
    if (mode === 'sniffed') return { body: json(event), headers: {} };
    const attributeHeaders = Object.fromEntries(
      Object.entries(event)
        .filter(([name]) => name !== 'data')
        .map(([name, value]) => [`ce_${name}`, typeof value === 'string' ? value : JSON.stringify(value) ?? '']),
    );
    if (mode === 'binary') return { body: json(event['data']), headers: { ...noise, ...attributeHeaders } };
    return { body: json(event['data']), headers: noise };
  });

const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ maxLength: 200 }).map(utf8),
  fc.string({ maxLength: 100, unit: 'binary' }).map(utf8),
  fc.jsonValue({ maxDepth: 3 }).map(json),
);

const channelArb = fc.oneof(fc.constantFrom('order.created', 'payment.completed', 'order.shipped', 'orders'), fc.string({ maxLength: 15 }));

const contextArb = fc.record({
  channel: channelArb,
  coordinates: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  maxBodyBytes: fc.constantFrom(64, 100_000),
});

describe('decodeEnvelope properties', () => {
  it('decodeEnvelope - never throws on arbitrary bytes and headers, and every result is well formed', () => {
    fc.assert(
      fc.property(bodyArb, headersArb, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), contextArb, (body, headers, key, ctx) => {
        const raw: RawEvent = key === undefined ? { body, headers } : { body, headers, key };
        let result: DecodeResult | undefined;
        expect(() => (result = decodeEnvelope(raw, context(ctx)))).not.toThrow();
        expectWellFormed(result as unknown as DecodeResult);
      }),
      { numRuns: 400 },
    );
  });

  it('decodeEnvelope - never throws on valid events with one field mutated, and every result is well formed', () => {
    fc.assert(
      fc.property(mutatedRawArb, contextArb, (raw, ctx) => {
        let result: DecodeResult | undefined;
        expect(() => (result = decodeEnvelope(raw, context({ ...ctx, maxBodyBytes: 100_000 })))).not.toThrow();
        expectWellFormed(result as unknown as DecodeResult);
      }),
      { numRuns: 400 },
    );
  });

  it('decodeEnvelope - valid events decode in all three modes to exactly the data sent', () => {
    fc.assert(
      fc.property(orderEventArb, idArb, (event, id) => {
        for (const { mode, raw, channel } of inAllModes(event, id)) {
          const result = decodeEnvelope(raw, context({ channel, maxBodyBytes: 100_000 }));
          expect(result, mode).toMatchObject({ ok: true, envelope: { id, type: event.type, key: event.data.orderId } });
          if (!result.ok) return;
          expect(result.envelope.data, mode).toEqual(event.data);
          expectWellFormed(result);
        }
      }),
      { numRuns: 300 },
    );
  });
});
