import { BackpressureError } from '../streams/errors.js';
import type { OrderRecord } from './orderRecord.js';
import type { OutboxEntry } from './outbox/outboxEntry.js';

/**
 * Where order records live. The order actor is its only writer; `save` is the commit point
 * after which a delivery may be acked.
 */
export interface OrderStore {
  /** The stored record, or undefined when the order has never been saved. */
  load(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * Writes `record` only if the stored version is still `expectedVersion` (0: nothing stored),
   * atomically. `record.version` must be `expectedVersion + 1`. Rejects with
   * `VersionConflictError` when another writer got there first; with any other error the
   * write may or may not have happened, so the caller reloads before trying again.
   *
   * `outbox` holds the outbound events of this decision, in order: a store that keeps an outbox
   * (`OutboxStore`) appends them in the same atomic step as the record, so they are written if
   * and only if the record is. When its outbox already holds its maximum the save is refused
   * with `OutboxFullError` and writes nothing: back-pressure, retried until the relay catches up.
   */
  save(record: OrderRecord, expectedVersion: number, outbox?: readonly OutboxEntry[]): Promise<void>;
}

/** Someone else saved this order since it was loaded; reload and decide again. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly orderId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`order ${orderId}: expected version ${expectedVersion}, store has ${actualVersion}`);
  }
}

/**
 * The store's outbox holds `maxPending` events the relay has not published yet (the outbound
 * broker is down or slow). The save wrote nothing; retrying later succeeds once the relay has
 * caught up. Refusing the write is what keeps the backlog bounded without losing an event; as a
 * `BackpressureError` it is retried for as long as it lasts, never dead-lettered.
 */
export class OutboxFullError extends BackpressureError {
  override readonly name = 'OutboxFullError';
  constructor(
    readonly orderId: string,
    readonly maxPending: number,
  ) {
    super(`order ${orderId}: the outbox holds ${maxPending} unpublished events (its maximum); is the status channel's broker reachable?`);
  }
}
