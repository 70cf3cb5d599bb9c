import { describe, expect, it } from 'vitest';
import { readEventData, resolveVersion, upcast } from '../../src/domain/upcast.js';
import { orderCreated, orderCreatedV1, paymentCompleted } from './fixtures.js';

const options = { defaultCurrency: 'EUR' };

describe('upcast', () => {
  it('upcast - order.created v1 without currency gets the default currency and becomes v2', () => {
    expect(upcast('order.created', 1, orderCreatedV1(), options)).toEqual({
      ok: true,
      version: 2,
      data: { ...orderCreatedV1(), currency: 'EUR' },
    });
  });

  it('upcast - order.created v1 with a currency keeps it', () => {
    expect(upcast('order.created', 1, { ...orderCreatedV1(), currency: 'JPY' }, options)).toMatchObject({
      ok: true,
      data: { currency: 'JPY' },
    });
  });

  it('upcast - data already at the current version passes through unchanged', () => {
    expect(upcast('order.created', 2, orderCreated(), options)).toEqual({ ok: true, version: 2, data: orderCreated() });
    expect(upcast('payment.completed', 1, paymentCompleted(), options)).toEqual({ ok: true, version: 1, data: paymentCompleted() });
  });

  it.each([3, 0, -1, 1.5, 'abc', 'x', '2.0', '', null, undefined, Number.NaN])(
    'upcast - version %j is refused naming the type and the known versions',
    (version) => {
      const result = upcast('order.created', version, orderCreatedV1(), options);
      expect(result).toMatchObject({ ok: false, code: 'unknown-version' });
      expect(result.ok ? '' : result.message).toMatch(/^order\.created has no data version .*; known versions: 1, 2$/);
    },
  );

  it('upcast - a version the type does not have is refused even if another type has it', () => {
    expect(upcast('payment.completed', 2, paymentCompleted(), options)).toMatchObject({
      ok: false,
      message: 'payment.completed has no data version 2; known versions: 1',
    });
  });

  it('upcast - resolveVersion accepts integers and digit strings only', () => {
    expect(resolveVersion('order.created', 1)).toBe(1);
    expect(resolveVersion('order.created', '2')).toBe(2);
    expect(resolveVersion('order.created', ' 2')).toBeUndefined();
    expect(resolveVersion('order.created', '1e0')).toBeUndefined();
  });
});

describe('readEventData', () => {
  it('readEventData - order.created v1 is validated, upcast and returned as v2', () => {
    expect(readEventData('order.created', 1, orderCreatedV1(), options)).toEqual({
      ok: true,
      version: 2,
      data: { ...orderCreatedV1(), currency: 'EUR' },
    });
  });

  it('readEventData - a version given as a digit string is read', () => {
    expect(readEventData('order.created', '1', orderCreatedV1(), { defaultCurrency: 'GBP' })).toMatchObject({
      ok: true,
      data: { currency: 'GBP' },
    });
  });

  it('readEventData - v1 data is validated against the v1 schema before upcasting', () => {
    const result = readEventData('order.created', 1, { ...orderCreatedV1(), items: [] }, options);
    expect(result).toMatchObject({ ok: false, code: 'validation', message: 'items: must have at least one item' });
  });

  it('readEventData - an unknown default currency fails after the upcast, naming currency', () => {
    const result = readEventData('order.created', 1, orderCreatedV1(), { defaultCurrency: 'XYZ' });
    expect(result).toMatchObject({
      ok: false,
      code: 'validation',
      message: 'after upcasting order.created v1 to v2: currency: "XYZ" is not a known ISO 4217 currency code',
      issues: [{ path: 'currency' }],
    });
  });

  it('readEventData - v1-shaped data sent as v2 is refused for the missing currency', () => {
    expect(readEventData('order.created', 2, orderCreatedV1(), options)).toMatchObject({
      ok: false,
      code: 'validation',
      message: 'currency: is required',
    });
  });

  it.each([3, 0, 'x'])('readEventData - unknown version %j is refused before validation', (version) => {
    expect(readEventData('order.created', version, 'not even an object', options)).toMatchObject({
      ok: false,
      code: 'unknown-version',
      issues: [],
    });
  });
});
