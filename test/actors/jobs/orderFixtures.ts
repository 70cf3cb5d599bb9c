import type { OrderRecord } from '../../../src/actors/orderRecord.js';
import type { OrderStatus } from '../../../src/actors/orderView.js';

/** A stored order as the pipeline leaves it, for reports and emails. */
export function orderRecord(orderId: string, status: OrderStatus, fields: { userId?: string; totalCents?: number; currency?: string; createdAt?: string } = {}): OrderRecord {
  const totalCents = fields.totalCents ?? 1000;
  return {
    orderId,
    version: 1,
    status,
    appliedIds: [],
    stash: [],
    history: [],
    ...(status === 'new'
      ? {}
      : {
          view: {
            orderId,
            userId: fields.userId ?? 'u1',
            items: [{ productId: 'p-1', quantity: 1, priceCents: totalCents }],
            totalCents,
            currency: fields.currency ?? 'EUR',
            createdAt: fields.createdAt ?? '2025-01-10T12:00:00Z',
            ...(status === 'paid' || status === 'shipped' ? { payment: { paymentId: `pay-${orderId}`, amountCents: totalCents } } : {}),
          },
        }),
  };
}
