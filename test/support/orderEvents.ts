import type { Envelope } from '../../src/domain/envelope.js';
import { CURRENT_VERSION, type EventType } from '../../src/domain/orderEvents.js';

let counter = 0;

/** A valid envelope of `type` for `orderId`; `data` overrides the defaults. */
export function envelopeOf(type: EventType, orderId: string, data: Record<string, unknown> = {}, id?: string): Envelope {
  counter++;
  return {
    id: id ?? `evt-${counter}`,
    type,
    version: CURRENT_VERSION[type],
    key: orderId,
    correlationId: `corr-${counter}`,
    source: '/test',
    occurredAt: '2026-01-01T00:00:00.000Z',
    headers: {},
    data: { ...defaultData(type, orderId), ...data },
  };
}

export function defaultData(type: EventType, orderId: string): Record<string, unknown> {
  switch (type) {
    case 'order.created':
      return {
        orderId,
        userId: 'user-1',
        items: [{ productId: 'p-1', quantity: 2, priceCents: 500 }],
        totalCents: 1000,
        currency: 'EUR',
        timestamp: '2026-01-01T00:00:00.000Z',
      };
    case 'payment.completed':
      return { orderId, paymentId: `pay-${orderId}`, amountCents: 1000 };
    case 'payment.failed':
      return { orderId, paymentId: `pay-${orderId}`, reason: 'card declined' };
    case 'order.cancelled':
      return { orderId, reason: 'customer asked' };
    case 'order.shipped':
      return { orderId, carrier: 'DHL', trackingNumber: `TRK-${orderId}` };
  }
}
