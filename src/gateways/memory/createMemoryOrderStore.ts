import type { OrderScan } from '../../actors/jobs/orderScan.js';
import type { OrderRecord } from '../../actors/orderRecord.js';
import { OutboxFullError, VersionConflictError, type OrderStore } from '../../actors/orderStore.js';
import type { OutboxEntry } from '../../actors/outbox/outboxEntry.js';
import type { OutboxStore } from '../../actors/outbox/outboxStore.js';
import { packRecord, unpackRecord } from './recordCodec.js';

export interface MemoryOrderStoreOptions {
  /** Most orders kept; a save of a new order past it rejects with `OrderStoreFullError`. @default 2_000_000 */
  readonly maxOrders?: number;
  /** Keep records deflated (about a fifth of the memory, a few µs more per write). @default true */
  readonly compact?: boolean;
  /**
   * Most outbound events waiting in the outbox; a save that would go past it rejects with
   * `OutboxFullError` and writes nothing (the caller retries, as for any transient failure).
   * @default 100_000
   */
  readonly maxOutboxPending?: number;
}

export interface MemoryOrderStore extends OrderStore, OutboxStore, OrderScan {
  /** Number of orders stored. */
  readonly size: number;
}

/**
 * The embedded default store. Records are kept serialised, as a real store would keep them:
 * a caller can never mutate what is stored through a reference it still holds, and a million
 * orders cost a million compact strings rather than a million object graphs. The outbox is a
 * map in insertion order (deleting keeps the order of the rest), written in the same
 * synchronous step as the record, so no reader ever sees one without the other.
 */
export function createMemoryOrderStore(options: MemoryOrderStoreOptions = {}): MemoryOrderStore {
  const maxOrders = options.maxOrders ?? 2_000_000;
  if (!Number.isInteger(maxOrders) || maxOrders < 1) {
    throw new RangeError(`maxOrders must be a positive integer, got ${maxOrders}`);
  }
  const maxOutboxPending = options.maxOutboxPending ?? 100_000;
  if (!Number.isInteger(maxOutboxPending) || maxOutboxPending < 1) {
    throw new RangeError(`maxOutboxPending must be a positive integer, got ${maxOutboxPending}`);
  }
  const pack = options.compact === false ? JSON.stringify : packRecord;
  const unpack = options.compact === false ? (json: string) => JSON.parse(json) as OrderRecord : unpackRecord;
  const rows = new Map<string, { version: number; data: string }>();
  const outbox = new Map<string, string>(); // event id → JSON of the entry, oldest first
  return {
    get size() {
      return rows.size;
    },
    async load(orderId) {
      const row = rows.get(orderId);
      return row ? unpack(row.data) : undefined;
    },
    async save(record, expectedVersion, entries: readonly OutboxEntry[] = []) {
      // Every check comes before the first change, and nothing in between awaits: all or nothing.
      const current = rows.get(record.orderId)?.version ?? 0;
      if (current !== expectedVersion) throw new VersionConflictError(record.orderId, expectedVersion, current);
      if (record.version !== expectedVersion + 1) {
        throw new RangeError(`order ${record.orderId}: new version must be ${expectedVersion + 1}, got ${record.version}`);
      }
      if (current === 0 && rows.size >= maxOrders) throw new OrderStoreFullError(maxOrders);
      if (entries.length > 0 && outbox.size + entries.length > maxOutboxPending) throw new OutboxFullError(record.orderId, maxOutboxPending);
      const packed = pack(record);
      const written = entries.map((entry) => [entry.id, JSON.stringify(entry)] as const);
      rows.set(record.orderId, { version: record.version, data: packed });
      for (const [id, json] of written) outbox.set(id, json);
    },
    async readOutbox(limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
      const found: OutboxEntry[] = [];
      for (const json of outbox.values()) {
        if (found.length >= limit) break;
        found.push(JSON.parse(json) as OutboxEntry);
      }
      return found;
    },
    async removeOutbox(ids) {
      for (const id of ids) outbox.delete(id);
    },
    async outboxBacklog() {
      return outbox.size;
    },
    async *scan() {
      // A Map iterates what is added meanwhile, and each record is read at its latest version.
      for (const row of rows.values()) yield unpack(row.data);
    },
  };
}

/** The embedded store holds `maxOrders` orders already. */
export class OrderStoreFullError extends Error {
  override readonly name = 'OrderStoreFullError';
  constructor(readonly maxOrders: number) {
    super(`order store is full (${maxOrders} orders); raise ORDERLY_MEMORY_MAX_ORDERS or use the Redis store`);
  }
}
