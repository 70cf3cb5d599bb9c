import { describe, expect, it } from 'vitest';
import { decideOrder } from '../../src/actors/decideOrder.js';
import { emptyRecord, type OrderRecord } from '../../src/actors/orderRecord.js';
import { defaultOrderLimits } from '../../src/actors/orderLimits.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { envelopeOf } from '../support/orderEvents.js';

const now = Date.parse('2026-01-01T00:00:00Z');
const limits = defaultOrderLimits;

/** Applies envelopes in turn, committing each decision, as the order actor does. */
function run(envelopes: Envelope[], record: OrderRecord = emptyRecord('o1'), at = now): OrderRecord {
  for (const envelope of envelopes) {
    const decision = decideOrder(record, envelope, limits, at);
    if (decision.kind === 'commit') record = decision.record;
  }
  return record;
}

describe('decideOrder - lifecycle', () => {
  it('creates a pending order with its lines and total', () => {
    const decision = decideOrder(emptyRecord('o1'), envelopeOf('order.created', 'o1'), limits, now);
    expect(decision.kind).toBe('commit');
    if (decision.kind !== 'commit') return;
    expect(decision.record.status).toBe('pending');
    expect(decision.record.version).toBe(1);
    expect(decision.record.view?.totalCents).toBe(1000);
    expect(decision.changes.map((c) => [c.from, c.to])).toEqual([['new', 'pending']]);
  });

  it('goes pending → paid → shipped', () => {
    const record = run([envelopeOf('order.created', 'o1'), envelopeOf('payment.completed', 'o1'), envelopeOf('order.shipped', 'o1')]);
    expect(record.status).toBe('shipped');
    expect(record.view?.shipment).toEqual({ carrier: 'DHL', trackingNumber: 'TRK-o1' });
    expect(record.history.map((h) => h.status)).toEqual(['pending', 'paid', 'shipped']);
  });

  it('lets a later payment succeed after a failed one', () => {
    const record = run([envelopeOf('order.created', 'o1'), envelopeOf('payment.failed', 'o1'), envelopeOf('payment.completed', 'o1')]);
    expect(record.status).toBe('paid');
    expect(record.view?.lastPaymentFailure?.reason).toBe('card declined');
  });

  it('records that a refund is due when a paid order is cancelled', () => {
    const record = run([envelopeOf('order.created', 'o1'), envelopeOf('payment.completed', 'o1'), envelopeOf('order.cancelled', 'o1')]);
    expect(record.status).toBe('cancelled');
    expect(record.view?.cancellation).toEqual({ reason: 'customer asked', refundDue: true });
  });

  it.each([
    ['shipping before payment', ['order.created', 'order.shipped'], /order.shipped is not allowed when the order is pending/],
    ['anything after cancel', ['order.created', 'order.cancelled', 'payment.completed'], /not allowed when the order is cancelled/],
    ['a second creation', ['order.created', 'order.created'], /already exists/],
  ] as const)('refuses %s with a reason and stores nothing', (_name, types, reason) => {
    const before = run(types.slice(0, -1).map((t) => envelopeOf(t, 'o1')));
    const decision = decideOrder(before, envelopeOf(types[types.length - 1]!, 'o1'), limits, now);
    expect(decision).toMatchObject({ kind: 'rejected', code: 'forbidden-transition' });
    if (decision.kind === 'rejected') expect(decision.message).toMatch(reason);
  });

  it('refuses a payment that does not match the total', () => {
    const before = run([envelopeOf('order.created', 'o1')]);
    const decision = decideOrder(before, envelopeOf('payment.completed', 'o1', { amountCents: 999 }), limits, now);
    expect(decision).toMatchObject({ kind: 'rejected', message: 'payment of 999 does not match the order total 1000' });
  });
});

describe('decideOrder - deduplication', () => {
  it('treats an applied id as a duplicate with no effect', () => {
    const created = envelopeOf('order.created', 'o1');
    const record = run([created]);
    expect(decideOrder(record, created, limits, now)).toEqual({ kind: 'duplicate' });
  });

  it('treats a stashed id as a duplicate', () => {
    const payment = envelopeOf('payment.completed', 'o1');
    const record = run([payment]);
    expect(record.stash).toHaveLength(1);
    expect(decideOrder(record, payment, limits, now)).toEqual({ kind: 'duplicate' });
  });

  it('remembers at most maxAppliedIds ids, newest kept', () => {
    let record = run([envelopeOf('order.created', 'o1')]);
    for (let i = 0; i < 5; i++) {
      const d = decideOrder(record, envelopeOf('payment.failed', 'o1'), { ...limits, maxAppliedIds: 3 }, now);
      if (d.kind === 'commit') record = d.record;
    }
    expect(record.appliedIds).toHaveLength(3);
  });
});

describe('decideOrder - stash', () => {
  it('stashes a payment that arrives before its order and applies it on creation', () => {
    const record = run([envelopeOf('payment.completed', 'o1'), envelopeOf('order.created', 'o1')]);
    expect(record.status).toBe('paid');
    expect(record.stash).toEqual([]);
    expect(record.history.map((h) => h.status)).toEqual(['pending', 'paid']);
  });

  it('parks a stashed event the rules refuse once the order exists, instead of losing it', () => {
    const stashed = run([envelopeOf('order.shipped', 'o1')]);
    const decision = decideOrder(stashed, envelopeOf('order.created', 'o1'), limits, now);
    expect(decision.kind).toBe('commit');
    if (decision.kind !== 'commit') return;
    expect(decision.record.status).toBe('pending');
    expect(decision.parked).toMatchObject([{ code: 'forbidden-transition', envelope: { type: 'order.shipped' } }]);
  });

  it('dead-letters as orphan an event that finds the stash full', () => {
    const full = run([envelopeOf('payment.failed', 'o1'), envelopeOf('payment.failed', 'o1')], emptyRecord('o1'));
    const decision = decideOrder(full, envelopeOf('payment.failed', 'o1'), { ...limits, stashMaxCount: 2 }, now);
    expect(decision).toMatchObject({ kind: 'rejected', code: 'orphan' });
  });

  it('parks stashed events older than stashMaxAgeMs as orphans on the next event', () => {
    const old = run([envelopeOf('payment.failed', 'o1')], emptyRecord('o1'), now);
    const later = now + limits.stashMaxAgeMs + 1;
    const decision = decideOrder(old, envelopeOf('order.created', 'o1'), limits, later);
    expect(decision.kind).toBe('commit');
    if (decision.kind !== 'commit') return;
    expect(decision.parked).toMatchObject([{ code: 'orphan', envelope: { type: 'payment.failed' } }]);
    expect(decision.record.status).toBe('pending');
  });
});
