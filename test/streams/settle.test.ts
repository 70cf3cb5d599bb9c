import { describe, expect, it } from 'vitest';
import { SettlementError, type Delivery } from '../../src/streams/delivery.js';
import { InvalidSettleConfigError, PermanentError } from '../../src/streams/errors.js';
import type { HandlerOutcome } from '../../src/streams/handlerOutcome.js';
import { settle, settlementFor } from '../../src/streams/settle.js';
import type { RetryResult } from '../../src/streams/withRetry.js';
import { FakeClock } from '../support/fakeClock.js';
import { fakeDelivery, type BrokerCall } from './fakeDelivery.js';

const done: RetryResult<HandlerOutcome> = { ok: true, value: { kind: 'done' }, attempts: 2 };

describe('settle - mapping', () => {
  it('acks a done outcome and stamps the record', async () => {
    const clock = new FakeClock(1_000);
    const { delivery, calls } = fakeDelivery();
    const record = await settle(delivery, done, { clock });
    expect(calls).toEqual([{ kind: 'ack' }]);
    expect(record).toEqual({ delivery, settlement: { kind: 'ack' }, attempts: 2, settledAt: 1_000 });
  });

  it('dead-letters a reject outcome with its code and message', async () => {
    const { delivery, calls } = fakeDelivery();
    const result: RetryResult<HandlerOutcome> = { ok: true, value: { kind: 'reject', code: 'forbidden-transition', message: 'already shipped' }, attempts: 1 };
    const record = await settle(delivery, result);
    const reason = { code: 'forbidden-transition', message: 'already shipped', attempts: 1 };
    expect(calls).toEqual([{ kind: 'deadLetter', reason }]);
    expect(record.settlement).toEqual({ kind: 'deadLetter', reason });
    expect(record.error).toBeUndefined();
  });

  it('dead-letters a permanent error with its code, message and error text', () => {
    const error = new PermanentError('orphan', 'no such order', { cause: new Error('inner') });
    expect(settlementFor({ ok: false, error, attempts: 1, permanent: true })).toEqual({
      kind: 'deadLetter',
      reason: { code: 'orphan', message: 'no such order', error: 'PermanentError: no such order', attempts: 1 },
    });
  });

  it('uses the validation code for a permanent failure that is not a PermanentError', () => {
    expect(settlementFor({ ok: false, error: 'bad', attempts: 1, permanent: true })).toEqual({
      kind: 'deadLetter',
      reason: { code: 'validation', message: 'bad', error: 'bad', attempts: 1 },
    });
  });

  it('dead-letters exhausted transient failures as max-attempts', () => {
    const error = new Error('store down');
    expect(settlementFor({ ok: false, error, attempts: 5, permanent: false })).toEqual({
      kind: 'deadLetter',
      reason: { code: 'max-attempts', message: 'gave up after 5 attempts', error: 'Error: store down', attempts: 5 },
    });
  });

  it('hands an aborted failure back to the broker with retry(0)', async () => {
    const { delivery, calls } = fakeDelivery();
    const record = await settle(delivery, { ok: false, error: new Error('x'), attempts: 2, permanent: false, aborted: true });
    expect(calls).toEqual([{ kind: 'retry', delayMs: 0 }]);
    expect(record.settlement).toEqual({ kind: 'retry', delayMs: 0 });
  });
});

describe('settle - failures', () => {
  it('records a SettlementError on an already settled delivery instead of throwing, and never reaches the broker again', async () => {
    const { delivery, calls } = fakeDelivery();
    await delivery.ack();
    const record = await settle(delivery, { ok: false, error: new Error('x'), attempts: 5, permanent: false });
    expect(record.error).toBeInstanceOf(SettlementError);
    expect(record.settlement.kind).toBe('deadLetter');
    expect(record.refused).toBeUndefined();
    expect(calls).toEqual([{ kind: 'ack' }]);
  });

  it('records an ack the broker refuses', async () => {
    const refusal = new Error('connection lost');
    const { delivery } = fakeDelivery({ refuse: { ack: refusal } });
    const record = await settle(delivery, done);
    expect(record).toMatchObject({ settlement: { kind: 'ack' }, error: refusal });
  });

  it('falls back to retry(redeliverDelayMs) when the broker refuses the dead letter', async () => {
    const refusal = new Error('dlq unavailable');
    const calls: BrokerCall[] = [];
    // A delivery whose broker side allows a retry after a refused dead letter.
    const delivery: Delivery = {
      ...fakeDelivery().delivery,
      settled: false,
      ack: () => Promise.reject(new Error('unexpected')),
      deadLetter: (reason) => (calls.push({ kind: 'deadLetter', reason }), Promise.reject(refusal)),
      retry: (delayMs) => (calls.push({ kind: 'retry', delayMs }), Promise.resolve()),
    };
    const record = await settle(delivery, { ok: false, error: new Error('x'), attempts: 3, permanent: false }, { redeliverDelayMs: 250 });
    expect(calls.map((c) => c.kind)).toEqual(['deadLetter', 'retry']);
    expect(record.settlement).toEqual({ kind: 'retry', delayMs: 250 });
    expect(record.refused).toMatchObject({ kind: 'deadLetter', reason: { code: 'max-attempts' } });
    expect(record.error).toBe(refusal);
  });

  it('records both errors when the fallback retry is refused too, and still resolves', async () => {
    const dlq = new Error('dlq unavailable');
    const { delivery } = fakeDelivery({ refuse: { deadLetter: dlq, retry: new Error('broker gone') } });
    const record = await settle(delivery, { ok: true, value: { kind: 'reject', code: 'validation', message: 'no' }, attempts: 1 });
    expect(record.settlement).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(record.refused?.kind).toBe('deadLetter');
    expect(record.error).toBeInstanceOf(AggregateError);
    expect((record.error as AggregateError).errors[0]).toBe(dlq);
  });

  it('throws InvalidSettleConfigError synchronously on a bad redeliverDelayMs', () => {
    const { delivery } = fakeDelivery();
    expect(() => settle(delivery, done, { redeliverDelayMs: -1 })).toThrow(InvalidSettleConfigError);
    expect(delivery.settled).toBe(false);
  });
});
