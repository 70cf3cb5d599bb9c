import { describe, expect, it } from 'vitest';
import { createOrderReport } from '../../../src/actors/jobs/orderReport.js';
import { createReportJob } from '../../../src/actors/jobs/reportJob.js';
import { PermanentTaskError } from '../../../src/actors/jobs/jobHandler.js';
import type { OrderRecord } from '../../../src/actors/orderRecord.js';
import { orderRecord } from './orderFixtures.js';

const orders: OrderRecord[] = [
  orderRecord('o1', 'pending', { totalCents: 500, createdAt: '2025-01-01T00:00:00Z' }),
  orderRecord('o2', 'paid', { totalCents: 1250, currency: 'EUR', createdAt: '2025-01-02T10:00:00Z' }),
  orderRecord('o3', 'shipped', { totalCents: 4000, currency: 'EUR', createdAt: '2025-01-03T10:00:00Z' }),
  orderRecord('o4', 'paid', { totalCents: 999, currency: 'USD', createdAt: '2025-01-04T10:00:00+02:00' }),
  orderRecord('o5', 'cancelled', { totalCents: 7000, currency: 'USD', createdAt: '2025-01-05T10:00:00Z' }),
  orderRecord('o6', 'payment_failed', { totalCents: 300, currency: 'GBP', createdAt: '2025-01-06T10:00:00Z' }),
  orderRecord('o7', 'new'), // a payment stashed before its order: no view, never counted
  orderRecord('o8', 'paid', { totalCents: 100, currency: 'GBP', createdAt: '2025-02-01T00:00:00Z' }),
];

function report(range: { from?: string; to?: string }) {
  const r = createOrderReport(range);
  for (const order of orders) r.add(order);
  return r.result();
}

const scan = { async *scan() { yield* orders; } };
const context = { taskId: 't', type: 'report', ownerId: 'admin', attempt: 1, signal: new AbortController().signal };

describe('report - counts by status and revenue by currency', () => {
  it('counts every order with a view and sums paid and shipped totals per currency', () => {
    expect(report({})).toEqual({
      from: null,
      to: null,
      orders: 7,
      countsByStatus: { pending: 1, paid: 3, payment_failed: 1, shipped: 1, cancelled: 1 },
      revenueByCurrency: { EUR: { revenueCents: 5250, orders: 2 }, GBP: { revenueCents: 100, orders: 1 }, USD: { revenueCents: 999, orders: 1 } },
    });
  });

  it('keeps to [from, to), comparing instants rather than strings', () => {
    // o4 is 2025-01-04T08:00Z: inside; o1 is exactly `from`: inside; o6 is exactly `to`: outside.
    expect(report({ from: '2025-01-01T00:00:00Z', to: '2025-01-06T10:00:00Z' })).toMatchObject({
      orders: 5,
      countsByStatus: { pending: 1, paid: 2, payment_failed: 0, shipped: 1, cancelled: 1 },
      revenueByCurrency: { EUR: { revenueCents: 5250, orders: 2 }, USD: { revenueCents: 999, orders: 1 } },
    });
    expect(report({ from: '2025-01-04T09:00:00+01:00', to: '2025-01-04T08:00:00.001Z' })).toMatchObject({ orders: 1, countsByStatus: { paid: 1 } });
    expect(report({ from: '2026-01-01T00:00:00Z' })).toMatchObject({ orders: 0, revenueByCurrency: {} });
  });

  it('the report job scans the orders and returns the same report', async () => {
    const job = createReportJob({ orders: scan });
    expect(await job.run({ from: '2025-01-02T00:00:00Z' }, context)).toEqual({ ...report({ from: '2025-01-02T00:00:00Z' }) });
    expect(await job.run(null, context)).toMatchObject({ orders: 7 });
  });

  it('refuses an invalid range for good', async () => {
    const job = createReportJob({ orders: scan });
    await expect(job.run({ from: 'yesterday' }, context)).rejects.toBeInstanceOf(PermanentTaskError);
    await expect(job.run({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }, context)).rejects.toBeInstanceOf(PermanentTaskError);
    await expect(job.run({ since: '2025-01-01T00:00:00Z' }, context)).rejects.toBeInstanceOf(PermanentTaskError);
  });
});
