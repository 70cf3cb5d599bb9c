import { describe, expect, it } from 'vitest';
import { decodeEnvelope, type DecodeResult, type RawEvent } from '../../src/domain/decodeEnvelope.js';
import { context, json, orderCreated, orderCreatedV1, paymentCompleted, structured, utf8 } from './fixtures.js';

const CE_JSON = { 'content-type': 'application/cloudevents+json; charset=utf-8' };

/** The envelope of a result, or a failure of the test if it was refused. */
function envelopeOf(result: DecodeResult) {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.envelope;
}

/** A binary-mode event with `prefix` (`ce_` or `ce-`) attribute headers. */
function binary(prefix: string, data: unknown = orderCreated(), extra: Record<string, string> = {}): RawEvent {
  return {
    body: json(data),
    headers: {
      [`${prefix}specversion`]: '1.0',
      [`${prefix}id`]: 'evt-b',
      [`${prefix}source`]: '/shop/checkout',
      [`${prefix}type`]: 'order.created',
      [`${prefix}time`]: '2024-03-04T05:06:07+01:00',
      ...extra,
    },
  };
}

describe('decodeEnvelope structured mode', () => {
  it('decodeEnvelope - structured event with cloudevents content-type gives every attribute', () => {
    const raw = { body: json(structured({ correlationid: 'corr-1', causationid: 'cause-1' })), headers: CE_JSON };
    expect(envelopeOf(decodeEnvelope(raw, context()))).toEqual({
      id: 'evt-1',
      type: 'order.created',
      version: 2,
      key: 'order-1',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      source: '/shop/checkout',
      occurredAt: '2024-01-02T15:04:05Z',
      headers: CE_JSON,
      data: orderCreated(),
    });
  });

  it('decodeEnvelope - structured event is recognised by its specversion member without content-type', () => {
    const envelope = envelopeOf(decodeEnvelope({ body: json(structured()), headers: {} }, context({ channel: 'anything' })));
    expect(envelope).toMatchObject({ id: 'evt-1', type: 'order.created', source: '/shop/checkout' });
  });

  it('decodeEnvelope - header names in any case are lower-cased, in the envelope too', () => {
    const raw = { body: json(structured()), headers: { 'Content-Type': 'Application/CloudEvents+JSON', 'X-Trace': 't' } };
    expect(envelopeOf(decodeEnvelope(raw, context())).headers).toEqual({
      'content-type': 'Application/CloudEvents+JSON',
      'x-trace': 't',
    });
  });

  it.each([
    ['1', 1],
    ['"1"', '1'],
  ])('decodeEnvelope - structured dataversion %s is read and upcast', (_label, dataversion) => {
    const raw = { body: json(structured({ dataversion, data: orderCreatedV1() })), headers: CE_JSON };
    expect(envelopeOf(decodeEnvelope(raw, context({ defaultCurrency: 'CHF' })))).toMatchObject({
      version: 2,
      data: { currency: 'CHF' },
    });
  });

  it('decodeEnvelope - structured event without dataversion is read as the current version', () => {
    const raw = { body: json(structured({ data: orderCreatedV1() })), headers: CE_JSON };
    expect(decodeEnvelope(raw, context())).toMatchObject({ ok: false, code: 'validation', message: 'order.created v2 data is invalid: currency: is required' });
  });

  it.each([3, 0, 'x'])('decodeEnvelope - structured dataversion %j is unknown-version', (dataversion) => {
    const result = decodeEnvelope({ body: json(structured({ dataversion })), headers: CE_JSON }, context());
    expect(result).toMatchObject({ ok: false, code: 'unknown-version' });
    expect(result.ok ? '' : result.message).toContain('known versions: 1, 2');
  });

  it.each([
    [{ specversion: '0.3' }, 'specversion: must be "1.0", got "0.3"'],
    [{ id: undefined }, 'id: is required in a CloudEvent'],
    [{ id: '' }, 'id: must be a non-empty string, got ""'],
    [{ source: 7 }, 'source: must be a non-empty string, got 7'],
    [{ type: undefined }, 'type: is required in a CloudEvent'],
    [{ time: 'yesterday' }, 'time: must be an RFC 3339 date-time with offset, got "yesterday"'],
    [{ datacontenttype: 'text/xml' }, 'datacontenttype: "text/xml" is not supported; the data must be JSON'],
    [{ data: undefined, data_base64: 'AAAA' }, 'data_base64: binary data is not supported; send the event data as JSON in `data`'],
  ])('decodeEnvelope - structured attribute error %j is decode', (attributes, message) => {
    expect(decodeEnvelope({ body: json(structured(attributes)), headers: CE_JSON }, context())).toEqual({ ok: false, code: 'decode', message });
  });

  it('decodeEnvelope - datacontenttype application/json with parameters or +json passes', () => {
    for (const datacontenttype of ['application/json; charset=utf-8', 'application/vnd.orderly+json']) {
      expect(decodeEnvelope({ body: json(structured({ datacontenttype })), headers: CE_JSON }, context()).ok).toBe(true);
    }
  });

  it('decodeEnvelope - a structured body that is not an object is decode', () => {
    expect(decodeEnvelope({ body: json([structured()]), headers: CE_JSON }, context())).toMatchObject({ ok: false, code: 'decode' });
  });

  it('decodeEnvelope - batched CloudEvents are refused as decode', () => {
    const raw = { body: json([structured()]), headers: { 'content-type': 'application/cloudevents-batch+json' } };
    expect(decodeEnvelope(raw, context())).toMatchObject({ ok: false, code: 'decode', message: expect.stringContaining('batched') });
  });

  it('decodeEnvelope - a structured event of an unknown type is unknown-type naming it', () => {
    const result = decodeEnvelope({ body: json(structured({ type: 'order.paid' })), headers: CE_JSON }, context());
    expect(result).toMatchObject({ ok: false, code: 'unknown-type', message: expect.stringMatching(/^type: "order\.paid" is not a known event type/) });
  });

  it('decodeEnvelope - structured event without data is validation', () => {
    expect(decodeEnvelope({ body: json(structured({ data: undefined })), headers: CE_JSON }, context())).toMatchObject({
      ok: false,
      code: 'validation',
      message: 'order.created v2 data is invalid: data: is required',
    });
  });
});

describe('decodeEnvelope binary mode', () => {
  it.each(['ce_', 'ce-', 'CE_', 'Ce-'])('decodeEnvelope - binary event with %s headers gives every attribute', (prefix) => {
    const envelope = envelopeOf(decodeEnvelope(binary(prefix, orderCreated(), { [`${prefix}correlationid`]: 'corr-b' }), context()));
    expect(envelope).toMatchObject({
      id: 'evt-b',
      type: 'order.created',
      version: 2,
      key: 'order-1',
      correlationId: 'corr-b',
      source: '/shop/checkout',
      occurredAt: '2024-03-04T05:06:07+01:00',
      data: orderCreated(),
    });
  });

  it('decodeEnvelope - binary ce_dataversion 1 is upcast', () => {
    const envelope = envelopeOf(decodeEnvelope(binary('ce_', orderCreatedV1(), { ce_dataversion: '1' }), context()));
    expect(envelope).toMatchObject({ version: 2, data: { currency: 'EUR' } });
  });

  it('decodeEnvelope - binary event without ce type is decode naming both header spellings', () => {
    const raw = binary('ce_');
    const { ce_type: _type, ...headers } = raw.headers;
    expect(decodeEnvelope({ ...raw, headers }, context())).toEqual({
      ok: false,
      code: 'decode',
      message: 'type (header ce-type or ce_type): is required in a CloudEvent',
    });
  });

  it('decodeEnvelope - binary event with a non-JSON content-type is decode', () => {
    const result = decodeEnvelope(binary('ce-', orderCreated(), { 'content-type': 'text/plain' }), context());
    expect(result).toMatchObject({ ok: false, code: 'decode', message: expect.stringContaining('content-type') });
  });

  it('decodeEnvelope - binary event with specversion 0.3 is decode', () => {
    expect(decodeEnvelope(binary('ce_', orderCreated(), { ce_specversion: '0.3' }), context())).toMatchObject({ ok: false, code: 'decode' });
  });
});

describe('decodeEnvelope plain mode', () => {
  const plain = (data: unknown, headers: Record<string, string> = {}): RawEvent => ({ body: json(data), headers });

  it('decodeEnvelope - plain payload takes type from the channel, id from message-id, and is read as v1', () => {
    const envelope = envelopeOf(decodeEnvelope(plain(orderCreatedV1(), { 'Message-ID': 'go-1' }), context()));
    expect(envelope).toEqual({
      id: 'go-1',
      type: 'order.created',
      version: 2,
      key: 'order-1',
      correlationId: 'generated-correlation',
      source: '/kafka/order.created',
      occurredAt: '2024-01-02T15:04:05.999999999Z',
      headers: { 'message-id': 'go-1' },
      data: { ...orderCreatedV1(), currency: 'EUR' },
    });
  });

  it('decodeEnvelope - plain payload without message-id uses ce_id', () => {
    expect(envelopeOf(decodeEnvelope(plain(orderCreatedV1(), { ce_id: 'ce-1' }), context())).id).toBe('ce-1');
  });

  it('decodeEnvelope - plain payload without id gets one from the coordinates, stable across redeliveries', () => {
    const ctx = context({ coordinates: { partition: '3', offset: '17' } });
    const first = envelopeOf(decodeEnvelope(plain(orderCreatedV1()), ctx));
    const again = envelopeOf(decodeEnvelope(plain(orderCreatedV1()), context({ coordinates: { offset: '17', partition: '3' } })));
    const next = envelopeOf(decodeEnvelope(plain(orderCreatedV1()), context({ coordinates: { partition: '3', offset: '18' } })));
    expect(first.id).toBe('kafka:order.created:offset=17,partition=3');
    expect(again.id).toBe(first.id);
    expect(next.id).not.toBe(first.id);
  });

  it('decodeEnvelope - plain payload without id or coordinates is decode, not a shared id', () => {
    expect(decodeEnvelope(plain(orderCreatedV1()), context({ coordinates: {} }))).toMatchObject({
      ok: false,
      code: 'decode',
      message: expect.stringContaining('message-id'),
    });
  });

  it.each(['dataversion', 'ce_dataversion', 'version'])('decodeEnvelope - plain payload version from header %s', (header) => {
    expect(envelopeOf(decodeEnvelope(plain(orderCreated({ currency: 'JPY' }), { [header]: '2' }), context()))).toMatchObject({
      version: 2,
      data: { currency: 'JPY' },
    });
    expect(decodeEnvelope(plain(orderCreatedV1(), { [header]: '2' }), context())).toMatchObject({ ok: false, code: 'validation' });
    expect(decodeEnvelope(plain(orderCreatedV1(), { [header]: '3' }), context())).toMatchObject({ ok: false, code: 'unknown-version' });
  });

  it('decodeEnvelope - plain payload without a timestamp takes its time from now()', () => {
    const envelope = envelopeOf(decodeEnvelope(plain(paymentCompleted()), context({ channel: 'payment.completed' })));
    expect(envelope).toMatchObject({ type: 'payment.completed', version: 1, occurredAt: '2030-05-06T07:08:09.000Z', data: paymentCompleted() });
  });

  it('decodeEnvelope - plain payload on a channel that is not an event type is unknown-type naming the channel', () => {
    expect(decodeEnvelope(plain(orderCreatedV1()), context({ channel: 'orders' }))).toMatchObject({
      ok: false,
      code: 'unknown-type',
      message: expect.stringMatching(/^channel "orders" is not a known event type/),
    });
  });

  it('decodeEnvelope - plain JSON that is not an object is validation', () => {
    for (const data of [[orderCreatedV1()], 'order', 12, null]) {
      expect(decodeEnvelope(plain(data), context())).toMatchObject({
        ok: false,
        code: 'validation',
        message: 'order.created v1 data is invalid: data: must be an object',
      });
    }
  });
});

describe('decodeEnvelope correlation and key', () => {
  it('decodeEnvelope - correlation id: extension, then correlation_id, then x-correlation-id, then newId()', () => {
    const both = { correlation_id: 'from-header', 'X-Correlation-Id': 'from-x' };
    const withExtension = { body: json(structured({ correlationid: 'from-ext' })), headers: both };
    expect(envelopeOf(decodeEnvelope(withExtension, context())).correlationId).toBe('from-ext');
    expect(envelopeOf(decodeEnvelope({ body: json(structured()), headers: both }, context())).correlationId).toBe('from-header');
    const onlyX = { body: json(structured()), headers: { 'x-correlation-id': 'from-x' } };
    expect(envelopeOf(decodeEnvelope(onlyX, context())).correlationId).toBe('from-x');
    let calls = 0;
    const newId = () => `new-${(calls += 1)}`;
    expect(envelopeOf(decodeEnvelope({ body: json(structured()), headers: {} }, context({ newId }))).correlationId).toBe('new-1');
    expect(calls).toBe(1);
  });

  it('decodeEnvelope - key: partitionkey, then the record key, then data.orderId', () => {
    expect(envelopeOf(decodeEnvelope({ body: json(structured({ partitionkey: 'order-1' })), headers: {}, key: 'k' }, context())).key).toBe('order-1');
    expect(envelopeOf(decodeEnvelope({ body: json(structured()), headers: {}, key: 'user-9' }, context())).key).toBe('user-9');
    expect(envelopeOf(decodeEnvelope({ body: json(structured()), headers: {} }, context())).key).toBe('order-1');
  });

  it('decodeEnvelope - a partitionkey that is not the orderId is validation naming both', () => {
    expect(decodeEnvelope({ body: json(structured({ partitionkey: 'order-2' })), headers: {} }, context())).toEqual({
      ok: false,
      code: 'validation',
      message: 'partitionkey: "order-2" is not the data\'s orderId "order-1"',
    });
    expect(decodeEnvelope(binary('ce_', orderCreated(), { ce_partitionkey: 'order-2' }), context())).toMatchObject({ code: 'validation' });
  });
});

describe('decodeEnvelope bad input', () => {
  it('decodeEnvelope - a body over maxBodyBytes is decode naming the limit, checked before parsing', () => {
    const body = utf8(`{"x":"${'a'.repeat(100)}`);
    expect(decodeEnvelope({ body, headers: {} }, context({ maxBodyBytes: 50 }))).toEqual({
      ok: false,
      code: 'decode',
      message: `body: ${body.byteLength} bytes is over the limit of 50 bytes`,
    });
    const exact = json(orderCreatedV1());
    expect(decodeEnvelope({ body: exact, headers: { 'message-id': 'm' } }, context({ maxBodyBytes: exact.byteLength })).ok).toBe(true);
  });

  it('decodeEnvelope - bytes that are not UTF-8 are decode', () => {
    expect(decodeEnvelope({ body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), headers: {} }, context())).toEqual({
      ok: false,
      code: 'decode',
      message: 'body: is not valid UTF-8',
    });
  });

  it.each(['', '   ', 'not json', '{"orderId": ', "{'single': 'quotes'}"])('decodeEnvelope - body %j is decode', (text) => {
    const result = decodeEnvelope({ body: utf8(text), headers: {} }, context());
    expect(result).toMatchObject({ ok: false, code: 'decode', message: expect.stringMatching(/^body: /) });
  });

  it('decodeEnvelope - validation failures name the type, version and every failing field', () => {
    const data = orderCreated({ items: [{ productId: 'p', quantity: 0, priceCents: 100 }], currency: 'XYZ', timestamp: 'later' });
    const result = decodeEnvelope({ body: json(structured({ data })), headers: {} }, context());
    expect(result).toMatchObject({ ok: false, code: 'validation' });
    const message = result.ok ? '' : result.message;
    expect(message).toMatch(/^order\.created v2 data is invalid: /);
    for (const field of ['items.0.quantity', 'timestamp', 'currency', 'totalCents']) expect(message).toContain(`${field}: `);
  });

  it('decodeEnvelope - reasons quote at most about 100 characters of the input and stay on one line', () => {
    const huge = `order.\n${'x'.repeat(10_000)}`;
    const result = decodeEnvelope({ body: json(structured({ type: huge })), headers: {} }, context());
    expect(result).toMatchObject({ ok: false, code: 'unknown-type' });
    const message = result.ok ? '' : result.message;
    expect(message.length).toBeLessThan(400);
    expect(message).not.toMatch(/\n/);
  });

  it('decodeEnvelope - never throws on malformed raw events or a failing context', () => {
    const notBytes = { body: 'text' as unknown as Uint8Array, headers: {} };
    expect(decodeEnvelope(notBytes, context())).toEqual({ ok: false, code: 'decode', message: 'body: must be bytes' });
    const nullHeaders = { body: json(structured()), headers: null as unknown as Record<string, string> };
    expect(envelopeOf(decodeEnvelope(nullHeaders, context())).headers).toEqual({});
    // A value that is not a string is dropped, so it cannot make the content-type check throw.
    const numberHeader = { body: json(structured()), headers: { 'content-type': 42, 'x-ok': 'y' } as unknown as Record<string, string> };
    expect(envelopeOf(decodeEnvelope(numberHeader, context())).headers).toEqual({ 'x-ok': 'y' });
    const failingNow = context({ now: () => { throw new Error('clock broke'); } });
    expect(decodeEnvelope({ body: json(paymentCompleted()), headers: { 'message-id': 'm' } }, { ...failingNow, channel: 'payment.completed' })).toEqual({
      ok: false,
      code: 'decode',
      message: 'decoder failed: clock broke',
    });
  });
});
