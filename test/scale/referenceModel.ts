/**
 * An order's rules written again, small and on their own, for the oracle: if Orderly's machine
 * and this table disagree, the oracle says so. Mirrors the README's lifecycle and stash:
 *
 *   new ─created─► pending ─completed (amount = total)─► paid ─shipped─► shipped
 *   pending, payment_failed ─failed─► payment_failed; ─cancelled─► cancelled
 *   paid ─cancelled─► cancelled (refund due)
 *
 * An event for an order that does not exist yet waits (the stash) and is applied, in arrival
 * order, right after the creation; one the rules refuse then is refused but counts as seen. An
 * event whose id was applied or is waiting is a duplicate and changes nothing. Anything else the
 * table has no row for is refused (Orderly dead-letters it as `forbidden-transition`).
 */
export type ModelStatus = 'new' | 'pending' | 'paid' | 'payment_failed' | 'shipped' | 'cancelled';

/** The part of an order's view the oracle compares. */
export interface ModelView {
  readonly userId: string;
  readonly totalCents: number;
  readonly paymentId?: string;
  readonly lastFailedPaymentId?: string;
  readonly trackingNumber?: string;
  readonly cancelReason?: string;
  readonly refundDue?: boolean;
}

export interface ModelEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

export interface ModelChange {
  readonly eventId: string;
  readonly from: ModelStatus;
  readonly to: ModelStatus;
}

export interface ModelOrder {
  status: ModelStatus;
  view: ModelView | undefined;
  /** Every applied event, in application order (what Orderly's history lists). */
  readonly changes: ModelChange[];
  /** Ids refused by the rules, each once. */
  readonly refused: Set<string>;
  readonly seen: Set<string>;
  readonly stash: ModelEvent[];
}

export function newModelOrder(): ModelOrder {
  return { status: 'new', view: undefined, changes: [], refused: new Set(), seen: new Set(), stash: [] };
}

type Fields = Record<string, unknown>;
const str = (data: Fields, key: string) => String(data[key]);

/** The next status and view, or undefined when the rules refuse `event` now. */
function step(order: ModelOrder, event: ModelEvent): { status: ModelStatus; view: ModelView } | undefined {
  const data = (event.data ?? {}) as Fields;
  const { status, view } = order;
  if (status === 'new') {
    return event.type === 'order.created' ? { status: 'pending', view: { userId: str(data, 'userId'), totalCents: Number(data.totalCents) } } : undefined;
  }
  if (!view) return undefined;
  const open = status === 'pending' || status === 'payment_failed';
  switch (event.type) {
    case 'payment.completed':
      return open && data.amountCents === view.totalCents ? { status: 'paid', view: { ...view, paymentId: str(data, 'paymentId') } } : undefined;
    case 'payment.failed':
      return open ? { status: 'payment_failed', view: { ...view, lastFailedPaymentId: str(data, 'paymentId') } } : undefined;
    case 'order.cancelled':
      return open || status === 'paid'
        ? { status: 'cancelled', view: { ...view, cancelReason: str(data, 'reason'), refundDue: status === 'paid' } }
        : undefined;
    case 'order.shipped':
      return status === 'paid' ? { status: 'shipped', view: { ...view, trackingNumber: str(data, 'trackingNumber') } } : undefined;
    default:
      return undefined;
  }
}

function applyNow(order: ModelOrder, event: ModelEvent): boolean {
  const next = step(order, event);
  if (!next) return false;
  order.changes.push({ eventId: event.id, from: order.status, to: next.status });
  order.status = next.status;
  order.view = next.view;
  order.seen.add(event.id);
  return true;
}

/** Feeds one event to the model order, as Orderly's decision would. */
export function applyToModel(order: ModelOrder, event: ModelEvent): void {
  if (order.seen.has(event.id)) return;
  if (order.status === 'new' && event.type !== 'order.created') {
    order.seen.add(event.id);
    order.stash.push(event);
    return;
  }
  if (!applyNow(order, event)) {
    order.refused.add(event.id);
    return;
  }
  if (event.type !== 'order.created') return;
  for (const waiting of order.stash.splice(0)) {
    if (!applyNow(order, waiting)) order.refused.add(waiting.id);
  }
}
