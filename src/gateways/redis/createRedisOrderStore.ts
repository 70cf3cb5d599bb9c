import { within } from '../../domain/within.js';
import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { OrderRecord } from '../../actors/orderRecord.js';
import { OutboxFullError, VersionConflictError, type OrderStore } from '../../actors/orderStore.js';
import type { OutboxEntry } from '../../actors/outbox/outboxEntry.js';
import type { OutboxStore } from '../../actors/outbox/outboxStore.js';
import { compareAndSetOrder, type OutboxKeys } from './compareAndSetOrder.js';
import { orderHashCodec } from './orderHashCodec.js';
import { quitRedis } from './quitRedis.js';
import { CorruptOrderRecordError, RedisOrderStoreClosedError, RedisOrderStoreError } from './redisOrderStoreErrors.js';
import { resolveRedisOrderStoreOptions, type RedisOrderStoreOptions } from './redisOrderStoreOptions.js';

export type { RedisOrderStoreOptions } from './redisOrderStoreOptions.js';

export interface RedisOrderStore extends OrderStore, OutboxStore {
  /**
   * Refuses new loads and saves at once (`RedisOrderStoreClosedError`), waits for those in
   * flight, then quits the connection if the store made it; past `closeTimeoutMs` it stops
   * waiting and drops that connection. A borrowed client is left open. Idempotent; never rejects.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The order store on Redis: one hash per order, `<keyPrefix>order:<orderId>`, with the fields
 * `version` (the compare-and-set token, a decimal integer) and `record` (JSON) or
 * `recordDeflated` (compact). The record carries the order's state, its stash and its bounded
 * applied message ids, so the state and the dedup marks are written together or not at all:
 * `save` is one Lua script that compares the version and writes the hash in a single step.
 * Failures of Redis reject with `RedisOrderStoreError`; nothing is retried here, because the
 * caller must reload before it decides again.
 *
 * The outbox sits beside the orders: `<keyPrefix>outbox:pending` (a sorted set of event ids,
 * scored by `<keyPrefix>outbox:seq`, so commit order) and `<keyPrefix>outbox:entries` (event id
 * → the entry's JSON). The same script that writes an order writes its outbox entries, so
 * they exist if and only if the record does. Those keys and the order's hash are in one script,
 * so on a Redis Cluster they would need one hash slot: this store is for a single Redis (or a
 * primary with replicas), as the rest of Orderly's Redis use is.
 */
export function createRedisOrderStore(options: RedisOrderStoreOptions, deps: { clock?: Clock } = {}): RedisOrderStore {
  const { redis: given, keyPrefix, compact, commandTimeoutMs, closeTimeoutMs, maxOutboxPending } = resolveRedisOrderStoreOptions(options);
  const clock = deps.clock ?? systemClock;
  const owned = typeof given === 'string';
  const redis = owned ? connect(given, commandTimeoutMs) : given;
  const codec = orderHashCodec(compact);
  const keyOf = (orderId: string) => `${keyPrefix}order:${orderId}`;
  const outboxKeys: OutboxKeys = { pending: `${keyPrefix}outbox:pending`, entries: `${keyPrefix}outbox:entries`, sequence: `${keyPrefix}outbox:seq` };
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  /** Runs one Redis command for the store: refused once closing, tracked for `close`, its failure named by `fail`. */
  const tracked = <T>(closedError: () => Error, fail: (cause: unknown) => Error, run: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(closedError());
    const reply = run().catch((cause: unknown) => {
      throw fail(cause);
    });
    const settled: Promise<void> = reply.then(
      () => void inFlight.delete(settled),
      () => void inFlight.delete(settled),
    );
    inFlight.add(settled);
    return reply;
  };
  const command = <T>(operation: 'load' | 'save', orderId: string, run: () => Promise<T>): Promise<T> =>
    tracked(
      () => new RedisOrderStoreClosedError(orderId),
      (cause) => new RedisOrderStoreError(operation, orderId, { cause }),
      run,
    );
  const outboxCommand = <T>(operation: 'read' | 'remove' | 'backlog', run: () => Promise<T>): Promise<T> =>
    tracked(
      () => new RedisOutboxError(operation, { cause: new RedisOrderStoreClosedError('(outbox)') }),
      (cause) => new RedisOutboxError(operation, { cause }),
      run,
    );

  const close = () =>
    (closing ??= (async () => {
      const deadline = clock.now() + closeTimeoutMs;
      await within(clock, Promise.all(inFlight), closeTimeoutMs);
      if (!owned) return;
      await quitRedis(redis, clock, deadline - clock.now());
    })());

  return {
    async load(orderId) {
      const key = keyOf(orderId);
      const values = await command('load', orderId, () => redis.hmgetBuffer(key, ...codec.fields));
      return codec.decode(orderId, key, values);
    },
    async save(record: OrderRecord, expectedVersion: number, entries: readonly OutboxEntry[] = []) {
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
        throw new RangeError(`order ${record.orderId}: expected version must be a non-negative integer, got ${expectedVersion}`);
      }
      if (record.version !== expectedVersion + 1) {
        throw new RangeError(`order ${record.orderId}: new version must be ${expectedVersion + 1}, got ${record.version}`);
      }
      const key = keyOf(record.orderId);
      const write = codec.encode(record);
      const outbox = { keys: outboxKeys, maxPending: maxOutboxPending, entries: entries.map((entry) => ({ id: entry.id, json: JSON.stringify(entry) })) };
      const result = await command('save', record.orderId, () => compareAndSetOrder(redis, key, expectedVersion, record.version, write, outbox));
      if (result.kind === 'conflict') throw new VersionConflictError(record.orderId, expectedVersion, result.actualVersion);
      if (result.kind === 'outbox-full') throw new OutboxFullError(record.orderId, maxOutboxPending);
      if (result.kind === 'unreadable') throw new CorruptOrderRecordError(record.orderId, key, 'has a version that is not a number');
    },
    async readOutbox(limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
      return outboxCommand('read', async () => {
        const ids = await redis.zrange(outboxKeys.pending, 0, limit - 1);
        if (ids.length === 0) return [];
        // An id removed between the two commands (by another relay) reads as null: skipped.
        const values = await redis.hmget(outboxKeys.entries, ...ids);
        return values.flatMap((json) => (json === null ? [] : [JSON.parse(json) as OutboxEntry]));
      });
    },
    async removeOutbox(ids) {
      if (ids.length === 0) return;
      await outboxCommand('remove', async () => {
        // MULTI: both keys change together, and a relay never sees an id in one and not the other.
        const replies = await redis.multi().zrem(outboxKeys.pending, ...ids).hdel(outboxKeys.entries, ...ids).exec();
        const failed = replies?.find(([error]) => error)?.[0];
        if (failed) throw failed;
      });
    },
    outboxBacklog: () => outboxCommand('backlog', () => redis.zcard(outboxKeys.pending)),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Redis did not answer an outbox read, remove or count (or the store is closed: see `cause`). The relay retries. */
export class RedisOutboxError extends Error {
  override readonly name = 'RedisOutboxError';
  constructor(
    readonly operation: 'read' | 'remove' | 'backlog',
    options: { cause: unknown },
  ) {
    super(`redis order store: outbox ${operation} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/**
 * The store's own connection. Lazy, so a store that is never used never connects; a command
 * rejects after two failed reconnects or `commandTimeoutMs` instead of queueing without end.
 */
function connect(url: string, commandTimeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    commandTimeout: commandTimeoutMs,
    connectionName: 'orderly:order-store',
    // Commands issued in one tick go out in one write: with hundreds of orders in flight this
    // halves the CPU a store write costs (one syscall per batch, not per command).
    enableAutoPipelining: true,
  });
  redis.on('error', () => undefined); // each command rejects with the error, and ioredis reconnects
  return redis;
}
