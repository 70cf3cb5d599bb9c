import { assign, setup } from 'xstate';
import type { OrderEvent } from '../domain/orderEvents.js';
import type { OrderView } from './orderView.js';

export interface OrderLifecycleContext {
  /** Absent until `order.created` has been applied. */
  readonly view?: OrderView;
}

/**
 * The rules of one order, and nothing else: which event may follow which, and what each does
 * to the order. It is pure (no I/O, no timers), so the order actor can compute the next state
 * with XState's `transition()` before anything is stored, and commit it only once the store
 * has it.
 *
 *   new ──created──► pending ──paid──► paid ──shipped──► shipped
 *                      │  ▲              │
 *               failed │  │ paid         └──cancelled──► cancelled (refund due)
 *                      ▼  │
 *                 payment_failed ──cancelled──► cancelled
 *
 * An event with no transition from the current state is forbidden: the caller dead-letters it.
 */
export const orderLifecycle = setup({
  types: {
    context: {} as OrderLifecycleContext,
    events: {} as OrderEvent,
  },
  guards: {
    paymentCoversTotal: ({ context, event }) =>
      event.type === 'payment.completed' && event.data.amountCents === context.view?.totalCents,
  },
  actions: {
    create: assign(({ event }) => {
      if (event.type !== 'order.created') return {};
      const { orderId, userId, items, totalCents, currency, timestamp } = event.data;
      return { view: { orderId, userId, items, totalCents, currency, createdAt: timestamp } };
    }),
    recordPayment: assign(({ context, event }) =>
      event.type === 'payment.completed' && context.view
        ? { view: { ...context.view, payment: { paymentId: event.data.paymentId, amountCents: event.data.amountCents } } }
        : {},
    ),
    recordPaymentFailure: assign(({ context, event }) =>
      event.type === 'payment.failed' && context.view
        ? { view: { ...context.view, lastPaymentFailure: { paymentId: event.data.paymentId, reason: event.data.reason } } }
        : {},
    ),
    recordShipment: assign(({ context, event }) =>
      event.type === 'order.shipped' && context.view
        ? { view: { ...context.view, shipment: { carrier: event.data.carrier, trackingNumber: event.data.trackingNumber } } }
        : {},
    ),
    cancel: assign(({ context, event }, params: { refundDue: boolean }) =>
      event.type === 'order.cancelled' && context.view
        ? { view: { ...context.view, cancellation: { reason: event.data.reason, refundDue: params.refundDue } } }
        : {},
    ),
  },
}).createMachine({
  id: 'orderLifecycle',
  context: {},
  initial: 'new',
  states: {
    new: {
      on: { 'order.created': { target: 'pending', actions: 'create' } },
    },
    pending: {
      on: {
        'payment.completed': { target: 'paid', guard: 'paymentCoversTotal', actions: 'recordPayment' },
        'payment.failed': { target: 'payment_failed', actions: 'recordPaymentFailure' },
        'order.cancelled': { target: 'cancelled', actions: { type: 'cancel', params: { refundDue: false } } },
      },
    },
    payment_failed: {
      on: {
        'payment.completed': { target: 'paid', guard: 'paymentCoversTotal', actions: 'recordPayment' },
        'payment.failed': { target: 'payment_failed', actions: 'recordPaymentFailure' },
        'order.cancelled': { target: 'cancelled', actions: { type: 'cancel', params: { refundDue: false } } },
      },
    },
    paid: {
      on: {
        'order.shipped': { target: 'shipped', actions: 'recordShipment' },
        'order.cancelled': { target: 'cancelled', actions: { type: 'cancel', params: { refundDue: true } } },
      },
    },
    shipped: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
