import { systemClock, type Clock } from '../../domain/clock.js';
import { matchesFilter, pageSize, type DeadLetterEntry, type DeadLetterFilter, type DeadLetterStore } from '../../streams/deadLetterStore.js';
import { openRedisStoreConnection } from './openRedisStoreConnection.js';
import { redisKeyOf } from './redisKey.js';
import { DELETE_DEAD_LETTER, ADD_DEAD_LETTER } from './redisDeadLetterScripts.js';
import type { RedisStoreName } from './redisStoreErrors.js';
import { RedisStoreOptionsError, resolveRedisStoreOptions, type RedisStoreOptions } from './redisStoreOptions.js';
import { runScript } from './runScript.js';

export interface RedisDeadLetterStoreOptions extends RedisStoreOptions {
  /** Most entries kept; past it the ones with the earliest `lastFailedAt` are evicted (their copies stay on the broker's DLQ). @default 10_000 */
  readonly maxEntries?: number;
}

export interface RedisDeadLetterStore extends DeadLetterStore {
  /** Refuses new calls, waits for those in flight, quits a connection the store made. Idempotent; never rejects. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Entries read per round trip while a filtered list looks for matches. */
const PAGE = 200;

/**
 * The dead-letter index on Redis, every key under `keyPrefix`:
 * - `<prefix>dlq:entry:<id>` — a hash: the entry as JSON, and the filter sets it is in;
 * - `<prefix>dlq:index` — a sorted set of entry keys by `lastFailedAt` (ms): the newest-first
 *   listing and the eviction order;
 * - `<prefix>dlq:by-reason:<code>`, `…by-type:<type>`, `…by-order:<key>` — the same, per filter
 *   value, so a list by order or type reads only that order's or type's entries.
 * Adds and deletes are Lua scripts, so an entry and its set memberships change together and the
 * bound (`maxEntries`, oldest evicted) holds after every command. Failures reject with
 * `RedisStoreError`.
 */
export function createRedisDeadLetterStore(options: RedisDeadLetterStoreOptions, deps: { clock?: Clock } = {}): RedisDeadLetterStore {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RedisStoreOptionsError(`maxEntries must be a positive integer, got ${maxEntries}`);
  const { maxEntries: _bound, ...connection } = options;
  const resolved = resolveRedisStoreOptions(connection);
  // The connection's errors name the store; its union lists the stores that existed before this one.
  const { redis, command, close } = openRedisStoreConnection('dead-letter' as RedisStoreName, resolved, deps.clock ?? systemClock);
  const prefix = resolved.keyPrefix;
  const index = `${prefix}dlq:index`;
  const entryKey = (id: string) => redisKeyOf(prefix, 'dlq:entry', id);
  const setsOf = (entry: DeadLetterEntry) => [
    redisKeyOf(prefix, 'dlq:by-reason', entry.reason),
    ...(entry.eventType === undefined ? [] : [redisKeyOf(prefix, 'dlq:by-type', entry.eventType)]),
    ...(entry.orderKey === undefined ? [] : [redisKeyOf(prefix, 'dlq:by-order', entry.orderKey)]),
  ];
  // The narrowest set the filter allows: an order has few entries, a type more, a reason more still.
  const setFor = (filter: DeadLetterFilter | undefined) =>
    filter?.orderKey !== undefined
      ? redisKeyOf(prefix, 'dlq:by-order', filter.orderKey)
      : filter?.eventType !== undefined
        ? redisKeyOf(prefix, 'dlq:by-type', filter.eventType)
        : filter?.reason !== undefined
          ? redisKeyOf(prefix, 'dlq:by-reason', filter.reason)
          : index;
  const parse = (json: string | null) => (json === null ? undefined : (JSON.parse(json) as DeadLetterEntry));

  return {
    async add(entry) {
      const score = Date.parse(entry.lastFailedAt);
      await command('add', entry.id, () =>
        runScript(redis, ADD_DEAD_LETTER, [index, entryKey(entry.id), ...setsOf(entry)], [Number.isFinite(score) ? score : 0, JSON.stringify(entry), maxEntries]),
      );
    },
    async get(id) {
      return parse(await command('get', id, () => redis.hget(entryKey(id), 'json')));
    },
    async list(filter) {
      const limit = pageSize(filter);
      const set = setFor(filter);
      const found: DeadLetterEntry[] = [];
      // Bounded: the set holds at most maxEntries members.
      for (let start = 0; found.length < limit; start += PAGE) {
        const keys = await command('list', set, () => redis.zrevrange(set, start, start + PAGE - 1));
        if (keys.length === 0) break;
        const jsons = await command('list', set, () => Promise.all(keys.map((key) => redis.hget(key, 'json'))));
        for (const json of jsons) {
          const entry = parse(json);
          if (entry && matchesFilter(entry, filter)) found.push(entry);
          if (found.length >= limit) break;
        }
        if (keys.length < PAGE) break;
      }
      return found;
    },
    async delete(id) {
      return (await command('delete', id, () => runScript(redis, DELETE_DEAD_LETTER, [index, entryKey(id)], []))) === 1;
    },
    async size() {
      return command('size', index, () => redis.zcard(index));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
