import type { DeadLetterCode } from './delivery.js';

/**
 * The state of the message's order at the moment it was quarantined, as the app's
 * `contextFor` made it (the stored snapshot and its recent history). Plain JSON: the streams
 * room does not know what an order looks like.
 */
export interface DeadLetterContext {
  /** The order's stored snapshot then, or null when nothing was stored for its key. */
  readonly snapshot: unknown;
  /** The order's most recent events (what its actor applied last), oldest first. */
  readonly history: readonly unknown[];
}

/**
 * One dead letter Orderly made, as the index keeps it. The broker's dead-letter channel holds
 * the durable copy; this is what `GET /dlq` and `orderly dlq` browse, and what replay re-publishes.
 */
export interface DeadLetterEntry {
  /** The index's own id (also the broker copy's `x-dead-letter-id` header). */
  readonly id: string;
  readonly reason: DeadLetterCode;
  /** One line a human can act on. */
  readonly message: string;
  /** The last error's text, when an error caused it. */
  readonly error?: string;
  readonly attempts: number;
  /** ISO 8601; the first failed attempt when the pipeline told, else when the delivery arrived. */
  readonly firstFailedAt: string;
  /** ISO 8601; when it was dead-lettered. Entries are listed newest first by this. */
  readonly lastFailedAt: string;
  readonly correlationId?: string;
  /** The event's id (dedup key), type and order key, when the message could be decoded. */
  readonly eventId?: string;
  readonly eventType?: string;
  readonly orderKey?: string;
  /** Where it was consumed: gateway, channel and the broker's coordinates (partition/offset, …). */
  readonly origin: {
    readonly gateway: string;
    readonly channel: string;
    readonly coordinates: Readonly<Record<string, string>>;
    readonly attempt: number;
  };
  /** The message exactly as the broker handed it over: replay re-publishes these bytes and headers. */
  readonly original: {
    readonly body: string; // base64
    readonly headers: Readonly<Record<string, string>>;
    readonly key?: string;
  };
  /** For a message quarantined after its processing failed: its order at that moment. */
  readonly context?: DeadLetterContext;
  /** Why `context` is missing although the order key was known (the lookup failed). */
  readonly contextError?: string;
}

/** Which entries `list` returns; every given field must match. */
export interface DeadLetterFilter {
  readonly reason?: DeadLetterCode;
  readonly eventType?: string;
  readonly orderKey?: string;
  /** Most entries returned, newest first. @default 100 (at most 1000) */
  readonly limit?: number;
}

/** The most `list` returns at once: a page, never the whole index. */
export const MAX_DEAD_LETTER_PAGE = 1000;

/**
 * The index of dead letters. Bounded: past `maxEntries` the oldest entries are evicted, never
 * a new one refused. Refusing would turn a full index into a stuck pipeline (the recorder
 * retries a delivery it cannot index rather than park it unrecorded), which is exactly what
 * quarantine exists to prevent; an evicted entry still has its copy on the broker's DLQ.
 */
export interface DeadLetterStore {
  /** Stores `entry` (replacing one with the same id); evicts the oldest past the bound. */
  add(entry: DeadLetterEntry): Promise<void>;
  get(id: string): Promise<DeadLetterEntry | undefined>;
  /** Newest first (by `lastFailedAt`), at most `limit`. */
  list(filter?: DeadLetterFilter): Promise<DeadLetterEntry[]>;
  /** Removes the entry; true when there was one. Idempotent: deleting twice is harmless. */
  delete(id: string): Promise<boolean>;
  /** Entries held now. */
  size(): Promise<number>;
}

/** The page size a filter asks for, checked: 1 to `MAX_DEAD_LETTER_PAGE`, 100 by default. */
export function pageSize(filter: DeadLetterFilter | undefined): number {
  const limit = filter?.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1) return 1;
  return Math.min(limit, MAX_DEAD_LETTER_PAGE);
}

/** Whether `entry` passes every field of `filter`. */
export function matchesFilter(entry: DeadLetterEntry, filter: DeadLetterFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.reason !== undefined && entry.reason !== filter.reason) return false;
  if (filter.eventType !== undefined && entry.eventType !== filter.eventType) return false;
  if (filter.orderKey !== undefined && entry.orderKey !== filter.orderKey) return false;
  return true;
}
