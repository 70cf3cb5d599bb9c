import { describe, expect, it } from 'vitest';
import type { OrderChange } from '../../../src/actors/decideOrder.js';
import { confirmationTaskId, paidOrderEmails } from '../../../src/actors/jobs/paidOrderEmails.js';
import { jobPoolHarness, until } from './jobPoolHarness.js';
import { orderRecord } from './orderFixtures.js';

const change = (orderId: string, to: OrderChange['to']): OrderChange => ({
  envelope: { id: `e-${orderId}-${to}`, type: 'payment.completed', version: 1, key: orderId, correlationId: 'c-1', source: 't', occurredAt: '2025-01-01T00:00:00Z', headers: {}, data: {} },
  from: 'pending',
  to,
  view: orderRecord(orderId, 'paid', { userId: 'u9' }).view!,
});

describe('paid orders - the confirmation email enqueues itself', () => {
  it('enqueues one email task per paid order, owned by the order’s user, and nothing for other changes', async () => {
    const h = jobPoolHarness({ email: { run: async () => null } });
    const emails = paidOrderEmails({ enqueue: h.enqueue, maxPending: 10 });
    emails.onChange(change('o-1', 'pending'));
    emails.onChange(change('o-1', 'paid'));
    emails.onChange(change('o-1', 'paid')); // paid again after a failed payment: still one email
    emails.onChange(change('o-2', 'shipped'));
    await emails.pending();
    const task = await h.store.get(confirmationTaskId('o-1'));
    expect(task).toMatchObject({ type: 'email', status: 'queued', payload: { ownerId: 'u9', input: { orderId: 'o-1' } } });
    expect(h.broker.depth('email', 'orderly-jobs')).toBe(1);
    h.pool.start();
    await until(() => h.pool.stats.acked === 1);
    expect(await h.store.get(confirmationTaskId('o-1'))).toMatchObject({ status: 'succeeded' });
    h.pool.abandon();
    await h.broker.close();
  });

  it('skips (and says so) past its bound of enqueues on their way', async () => {
    const skipped: string[] = [];
    const emails = paidOrderEmails({ enqueue: () => new Promise(() => undefined), maxPending: 1, onSkipped: (id) => skipped.push(id) });
    emails.onChange(change('o-1', 'paid'));
    emails.onChange(change('o-2', 'paid'));
    expect(skipped).toEqual(['o-2']);
  });
});
