import type { OrderRecord } from './orderRecord.js';

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
   */
  save(record: OrderRecord, expectedVersion: number): Promise<void>;
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
