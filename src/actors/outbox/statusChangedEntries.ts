import type { OrderChange } from '../decideOrder.js';
import { STATUS_CHANGED_TYPE, STATUS_CHANGED_VERSION, type OutboxEntry } from './outboxEntry.js';

/** What the order actors need to make outbound status events. */
export interface StatusEventOptions {
  /** Makes the id of each new event; called once per transition, at decision time. */
  readonly newId: () => string;
  /** CloudEvents `source` of the events. @default '/orderly' */
  readonly source?: string;
}

/**
 * The outbox entries of one decision: one `order.status-changed` per change that moved the
 * order to another status (a repeated `payment.failed` leaves it where it was and says nothing),
 * in the order the changes were applied. Correlation id and causation id are the causing
 * event's, so a consumer can tie the status event to the request that led to it.
 */
export function statusChangedEntries(changes: readonly OrderChange[], now: number, options: StatusEventOptions): OutboxEntry[] {
  const time = new Date(now).toISOString();
  return changes
    .filter((change) => change.from !== change.to)
    .map(({ envelope, from, to }) => ({
      id: options.newId(),
      type: STATUS_CHANGED_TYPE,
      version: STATUS_CHANGED_VERSION,
      key: envelope.key,
      correlationId: envelope.correlationId,
      causationId: envelope.id,
      source: options.source ?? '/orderly',
      occurredAt: time,
      headers: {},
      data: { orderId: envelope.key, from, to, eventId: envelope.id, eventType: envelope.type, occurredAt: envelope.occurredAt },
    }));
}
