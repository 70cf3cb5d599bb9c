import type { OrderCreated } from '../domain/orderEvents.js';

/** Lifecycle states of an order; `new` means no `order.created` has been applied yet. */
export type OrderStatus = 'new' | 'pending' | 'paid' | 'payment_failed' | 'shipped' | 'cancelled';

/** What an order looks like to the outside world (`GET /orders/:id`, real-time clients). */
export interface OrderView {
  readonly orderId: string;
  readonly userId: string;
  readonly items: OrderCreated['items'];
  readonly totalCents: number;
  readonly currency: string;
  readonly createdAt: string;
  readonly payment?: { readonly paymentId: string; readonly amountCents: number };
  readonly lastPaymentFailure?: { readonly paymentId: string; readonly reason: string };
  readonly cancellation?: { readonly reason: string; readonly refundDue: boolean };
  readonly shipment?: { readonly carrier: string; readonly trackingNumber: string };
}
