import { matchesFilter, pageSize, type DeadLetterEntry, type DeadLetterStore } from '../../streams/deadLetterStore.js';

export interface MemoryDeadLetterStoreOptions {
  /** Most entries kept; past it the oldest is evicted (its copy stays on the broker's DLQ). @default 10_000 */
  readonly maxEntries?: number;
}

/** A dead-letter store option that cannot be used; the message names it. */
export class InvalidDeadLetterStoreOptionsError extends Error {
  override readonly name = 'InvalidDeadLetterStoreOptionsError';
}

/**
 * The embedded dead-letter index: entries in the order they were added (an entry added again
 * moves to the back), so "oldest" — the one evicted past `maxEntries` — is the one recorded
 * first, which on one clock is the one with the earliest `lastFailedAt`. Entries are copied in
 * and out as JSON, as the Redis store does, so nobody holds a reference into the index.
 */
export function createMemoryDeadLetterStore(options: MemoryDeadLetterStoreOptions = {}): DeadLetterStore {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new InvalidDeadLetterStoreOptionsError(`maxEntries must be a positive integer, got ${maxEntries}`);
  const entries = new Map<string, string>();
  const read = (json: string) => JSON.parse(json) as DeadLetterEntry;

  return {
    async add(entry) {
      entries.delete(entry.id);
      entries.set(entry.id, JSON.stringify(entry));
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    async get(id) {
      const json = entries.get(id);
      return json === undefined ? undefined : read(json);
    },
    async list(filter) {
      const limit = pageSize(filter);
      const found: DeadLetterEntry[] = [];
      const newestFirst = [...entries.values()].reverse();
      for (const json of newestFirst) {
        const entry = read(json);
        if (matchesFilter(entry, filter)) found.push(entry);
        if (found.length >= limit) break;
      }
      return found;
    },
    async delete(id) {
      return entries.delete(id);
    },
    async size() {
      return entries.size;
    },
  };
}
