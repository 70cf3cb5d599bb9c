import { describe, expect, it } from 'vitest';
import { isKnownCurrency } from '../../src/domain/currency.js';
import { CURRENT_VERSION, EVENT_TYPES, isEventType, knownVersions, validateEventData } from '../../src/domain/orderEvents.js';
import type { ValidationResult } from '../../src/domain/validationResult.js';
import { orderCreated, orderCreatedV1, paymentCompleted } from './fixtures.js';

/** The failing paths of a result, or a failure of the test if it passed. */
function failingPaths(result: ValidationResult): string[] {
  if (result.ok) throw new Error('expected the data to be refused');
  return result.issues.map((issue) => issue.path);
}

describe('currency', () => {
  it('currency - accepts ISO 4217 codes the runtime knows', () => {
    for (const code of ['EUR', 'USD', 'JPY', 'CHF']) expect(isKnownCurrency(code)).toBe(true);
  });

  it('currency - refuses unknown, lower-case, padded and wrong-length codes', () => {
    for (const code of ['XYZ', 'eur', ' EUR', 'EUR ', 'EU', 'EURO', '', '123']) expect(isKnownCurrency(code)).toBe(false);
  });
});

describe('orderEvents', () => {
  it('orderEvents - isEventType accepts exactly the five types', () => {
    for (const type of EVENT_TYPES) expect(isEventType(type)).toBe(true);
    for (const other of ['order.paid', 'ORDER.CREATED', '', undefined, 1]) expect(isEventType(other)).toBe(false);
    expect(EVENT_TYPES).toHaveLength(5);
  });

  it('orderEvents - current version is 2 for order.created and 1 for the others', () => {
    expect(CURRENT_VERSION).toEqual({
      'order.created': 2,
      'payment.completed': 1,
      'payment.failed': 1,
      'order.cancelled': 1,
      'order.shipped': 1,
    });
    expect(knownVersions('order.created')).toEqual([1, 2]);
    expect(knownVersions('order.shipped')).toEqual([1]);
  });

  it('orderEvents - a valid order.created v2 passes, unknown keys are stripped and ids trimmed', () => {
    const result = validateEventData('order.created', 2, { ...orderCreated({ orderId: '  order-1 ' }), extra: true });
    expect(result).toEqual({ ok: true, data: orderCreated() });
  });

  it.each([
    '2024-01-02T15:04:05.999999999Z',
    '2024-01-02T15:04:05+02:00',
    '2024-01-02T15:04:05-07:30',
    '2024-01-02T15:04:05Z',
    '2024-02-29T00:00:00.5Z',
  ])('orderEvents - timestamp %s (Go RFC 3339) passes', (timestamp) => {
    expect(validateEventData('order.created', 2, orderCreated({ timestamp })).ok).toBe(true);
  });

  it.each(['2024-01-02T15:04:05', '2024-02-30T10:00:00Z', '2024-01-02 15:04:05Z', '2024-01-02T15:04:05+0200', 'yesterday', ''])(
    'orderEvents - timestamp %j fails naming timestamp',
    (timestamp) => {
      const result = validateEventData('order.created', 2, orderCreated({ timestamp }));
      expect(failingPaths(result)).toEqual(['timestamp']);
      expect(result.ok ? '' : result.message).toMatch(/^timestamp: must be an RFC 3339 date-time with offset/);
    },
  );

  it('orderEvents - empty items fails naming items', () => {
    const result = validateEventData('order.created', 2, orderCreated({ items: [], totalCents: 0 }));
    expect(result).toMatchObject({ ok: false, code: 'validation', message: 'items: must have at least one item' });
  });

  it('orderEvents - more than 1000 items fails', () => {
    const items = Array.from({ length: 1001 }, (_, n) => ({ productId: `p-${n}`, quantity: 1, priceCents: 1 }));
    expect(failingPaths(validateEventData('order.created', 2, orderCreated({ items, totalCents: 1001 })))).toEqual(['items']);
  });

  it.each([0, -1, 1.5, '2', null])('orderEvents - quantity %j fails naming items.0.quantity', (quantity) => {
    const items = [{ productId: 'p-1', quantity: quantity as number, priceCents: 0 }];
    expect(failingPaths(validateEventData('order.created', 2, orderCreated({ items, totalCents: 0 })))).toContain('items.0.quantity');
  });

  it.each([-1, 0.5, 2 ** 53])('orderEvents - priceCents %j fails', (priceCents) => {
    const items = [{ productId: 'p-1', quantity: 1, priceCents }];
    expect(failingPaths(validateEventData('order.created', 2, orderCreated({ items, totalCents: 0 })))).toContain('items.0.priceCents');
  });

  it('orderEvents - a wrong total names totalCents and the expected sum', () => {
    const result = validateEventData('order.created', 2, orderCreated({ totalCents: 1000 }));
    expect(result).toMatchObject({ ok: false, code: 'validation', message: 'totalCents: must equal the sum of the lines (1200)' });
  });

  it('orderEvents - one message lists every failing field', () => {
    const items = [
      { productId: 'p-1', quantity: 0, priceCents: 300 },
      { productId: 'p-2', quantity: 4, priceCents: 300 },
    ];
    const result = validateEventData('order.created', 2, orderCreated({ items, totalCents: 1500 }));
    expect(result.ok ? '' : result.message).toBe(
      'items.0.quantity: must be a positive integer; totalCents: must equal the sum of the lines (1200)',
    );
  });

  it('orderEvents - unknown currency XYZ fails naming currency', () => {
    const result = validateEventData('order.created', 2, orderCreated({ currency: 'XYZ' }));
    expect(result).toMatchObject({ ok: false, message: 'currency: "XYZ" is not a known ISO 4217 currency code' });
  });

  it('orderEvents - v2 requires currency, v1 accepts it missing or given', () => {
    expect(validateEventData('order.created', 2, orderCreatedV1())).toMatchObject({ ok: false, message: 'currency: is required' });
    expect(validateEventData('order.created', 1, orderCreatedV1())).toEqual({ ok: true, data: orderCreatedV1() });
    expect(validateEventData('order.created', 1, orderCreated())).toEqual({ ok: true, data: orderCreated() });
    expect(failingPaths(validateEventData('order.created', 1, orderCreated({ currency: 'XYZ' })))).toEqual(['currency']);
  });

  it('orderEvents - ids must be non-empty after trimming and at most 200 characters', () => {
    expect(failingPaths(validateEventData('order.created', 2, orderCreated({ orderId: '   ', userId: 'u'.repeat(201) })))).toEqual([
      'orderId',
      'userId',
    ]);
    expect(validateEventData('order.created', 2, orderCreated({ userId: 'u'.repeat(200) })).ok).toBe(true);
  });

  it('orderEvents - data that is not an object fails with path data', () => {
    for (const data of [null, [], 'order', 42]) {
      expect(validateEventData('payment.completed', 1, data)).toMatchObject({ ok: false, message: 'data: must be an object' });
    }
  });

  it.each([0, -5, 1.5, '1200', 2 ** 53])('orderEvents - payment.completed amountCents %j fails', (amountCents) => {
    expect(failingPaths(validateEventData('payment.completed', 1, { ...paymentCompleted(), amountCents }))).toEqual(['amountCents']);
  });

  it('orderEvents - each type names its missing fields', () => {
    expect(failingPaths(validateEventData('payment.completed', 1, {}))).toEqual(['orderId', 'paymentId', 'amountCents']);
    expect(failingPaths(validateEventData('payment.failed', 1, { orderId: 'o' }))).toEqual(['paymentId', 'reason']);
    expect(failingPaths(validateEventData('order.cancelled', 1, { orderId: 'o', reason: ' ' }))).toEqual(['reason']);
    expect(failingPaths(validateEventData('order.shipped', 1, { orderId: 'o', carrier: 'DHL' }))).toEqual(['trackingNumber']);
    expect(validateEventData('order.shipped', 1, { orderId: 'o', carrier: 'DHL', trackingNumber: 'T1' }).ok).toBe(true);
  });

  it.each([0, 3, 1.5, Number.NaN])('orderEvents - version %j has no schema and is refused, not guessed', (version) => {
    expect(validateEventData('order.created', version, orderCreated())).toMatchObject({
      ok: false,
      code: 'unknown-version',
      issues: [],
    });
    expect(validateEventData('order.created', version, orderCreated())).toMatchObject({
      message: expect.stringContaining('known versions: 1, 2'),
    });
  });
});

describe('orderEvents messages', () => {
  it('orderEvents - a message lists at most ten fields and counts the rest, while issues keep them all', () => {
    const items = Array.from({ length: 25 }, (_, n) => ({ productId: `p-${n}`, quantity: 0, priceCents: 1 }));
    const result = validateEventData('order.created', 2, orderCreated({ items, totalCents: 0 }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(25);
    expect(result.message.split('; ')).toHaveLength(11);
    expect(result.message).toMatch(/; and 15 more$/);
  });
});
