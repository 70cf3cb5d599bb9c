import type { Envelope } from '../../domain/envelope.js';
import type { OrderStatus } from '../orderView.js';

/** CloudEvents `type` of the event Orderly publishes for every status transition of an order. */
export const STATUS_CHANGED_TYPE = 'order.status-changed';

/** Schema version of {@link StatusChangedData}; bump it (and keep the old shape readable) on any change. */
export const STATUS_CHANGED_VERSION = 1;

/** What an `order.status-changed` event says. */
export interface StatusChangedData {
  readonly orderId: string;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  /** Id of the event that caused the transition (also the envelope's `causationId`). */
  readonly eventId: string;
  /** Type of the event that caused the transition, e.g. `payment.completed`. */
  readonly eventType: string;
  /** When the causing event happened (its `occurredAt`). */
  readonly occurredAt: string;
}

/**
 * One outbound event waiting in the outbox, as it will be published. Its `id` is made when the
 * transition is decided and stored with it, so every re-send after a crash carries the same id
 * and a consumer can deduplicate on it; `key` is the order id.
 */
export type OutboxEntry = Envelope<StatusChangedData> & { readonly type: typeof STATUS_CHANGED_TYPE };
