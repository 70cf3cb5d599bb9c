import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../src/domain/decodeEnvelope.js';
import { buildEnvelope, encodeStructured, InvalidEventError } from '../../src/domain/encodeEnvelope.js';
import { CURRENT_VERSION } from '../../src/domain/orderEvents.js';
import { context, idArb, orderCreated, orderEventArb, timestampArb } from './fixtures.js';

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const base = {
  id: 'evt-1',
  correlationId: 'corr-1',
  source: '/orderly/http',
  occurredAt: '2024-01-02T15:04:05Z',
};

describe('buildEnvelope', () => {
  it('buildEnvelope - key is the orderId, version the current one, no headers', () => {
    expect(buildEnvelope({ ...base, type: 'order.created', data: orderCreated(), causationId: 'req-1' })).toEqual({
      ...base,
      type: 'order.created',
      version: 2,
      key: 'order-1',
      causationId: 'req-1',
      headers: {},
      data: orderCreated(),
    });
  });

  it('buildEnvelope - data is normalised: ids trimmed, unknown keys dropped', () => {
    const data = { ...orderCreated({ orderId: ' order-1 ' }), note: 'x' };
    const envelope = buildEnvelope({ ...base, type: 'order.created', data });
    expect(envelope.key).toBe('order-1');
    expect(envelope.data).toEqual(orderCreated());
  });

  it('buildEnvelope - invalid data or attributes throw InvalidEventError naming each field', () => {
    const build = () =>
      buildEnvelope({ ...base, id: ' ', occurredAt: 'now', type: 'order.created', data: orderCreated({ totalCents: 1 }) });
    const error = catchError(build);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).name).toBe('InvalidEventError');
    expect((error as InvalidEventError).issues.map((issue) => issue.path)).toEqual(['id', 'occurredAt', 'data.totalCents']);
  });
});

describe('encodeStructured', () => {
  it('encodeStructured - writes a CloudEvent 1.0 JSON body with the plain headers beside it', () => {
    const encoded = encodeStructured(buildEnvelope({ ...base, type: 'order.created', data: orderCreated() }));
    expect(encoded.key).toBe('order-1');
    expect(encoded.headers).toEqual({
      'content-type': 'application/cloudevents+json; charset=utf-8',
      correlation_id: 'corr-1',
      'message-id': 'evt-1',
    });
    expect(JSON.parse(new TextDecoder().decode(encoded.body))).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: '/orderly/http',
      type: 'order.created',
      time: '2024-01-02T15:04:05Z',
      datacontenttype: 'application/json',
      dataversion: 2,
      correlationid: 'corr-1',
      partitionkey: 'order-1',
      data: orderCreated(),
    });
  });

  it('encodeStructured - round trip: decode(encode(e)) gives back the envelope', () => {
    const attributesArb = fc.record({
      id: idArb,
      correlationId: idArb,
      source: idArb,
      occurredAt: timestampArb,
      causationId: fc.option(idArb, { nil: undefined }),
    });
    fc.assert(
      fc.property(orderEventArb, attributesArb, (event, attributes) => {
        const { causationId, ...required } = attributes;
        const envelope = buildEnvelope({ ...required, ...(causationId === undefined ? {} : { causationId }), ...event });
        const encoded = encodeStructured(envelope);
        const result = decodeEnvelope(encoded, context({ channel: 'elsewhere', newId: () => 'must-not-be-used' }));
        expect(result).toEqual({ ok: true, envelope: { ...envelope, headers: encoded.headers } });
        expect(envelope.version).toBe(CURRENT_VERSION[event.type]);
      }),
      { numRuns: 200 },
    );
  });
});
