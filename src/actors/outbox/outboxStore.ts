import type { OutboxEntry } from './outboxEntry.js';

/**
 * The relay's view of the outbox: the entries an `OrderStore` wrote in the same atomic step as
 * the order snapshot that caused them (see `OrderStore.save`). An entry stays until `removeOutbox`
 * names it, so an entry the relay published but did not remove (a crash in between) is read and
 * published again, with the same id: at least once, never lost.
 */
export interface OutboxStore {
  /**
   * Up to `limit` pending entries, oldest first: in the order their saves committed, so one
   * order's entries come in the order of its transitions. Reading removes nothing.
   */
  readOutbox(limit: number): Promise<readonly OutboxEntry[]>;
  /** Forgets the entries with these ids. Ids that are not (or no longer) there are ignored: idempotent. */
  removeOutbox(ids: readonly string[]): Promise<void>;
  /** How many entries are pending, for metrics and the drain at shutdown. */
  outboxBacklog(): Promise<number>;
}

/** True when `store` keeps an outbox too (the memory and Redis order stores do; a test's wrapper may not). */
export function hasOutbox<T extends object>(store: T): store is T & OutboxStore {
  const candidate = store as Partial<OutboxStore>;
  return typeof candidate.readOutbox === 'function' && typeof candidate.removeOutbox === 'function' && typeof candidate.outboxBacklog === 'function';
}
