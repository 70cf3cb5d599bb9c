import { Redis } from 'ioredis';
import type { OrderRecord } from '../../actors/orderRecord.js';
import { VersionConflictError, type OrderStore } from '../../actors/orderStore.js';

export interface RedisOrderStoreOptions {
  /** An ioredis client the caller owns, or a URL to make one (the store then owns and closes it). @default 'redis://127.0.0.1:6379' */
  readonly redis?: Redis | string;
  /** Put before every key the store writes. @default 'orderly:' */
  readonly keyPrefix?: string;
}

export interface RedisOrderStore extends OrderStore {
  /** Closes the connection if the store made it. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Compare-and-set in one round trip, atomically: Redis runs a script without interleaving
 * anything else. Returns -1 when written, else the version actually stored (0: none).
 */
const COMPARE_AND_SET = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return current end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
return -1`;

type WithCas = Redis & { orderlyCompareAndSet(key: string, expected: string, next: string, record: string): Promise<number> };

/**
 * The order store on Redis: one hash per order (`<prefix>order:<id>`, fields `version` and
 * `record`, the record as JSON a person can read with redis-cli). The record holds the order's
 * state, its stash and the bounded list of applied message ids, so state and dedup marks are
 * written together or not at all.
 */
export function createRedisOrderStore(options: RedisOrderStoreOptions = {}): RedisOrderStore {
  const given = options.redis;
  const owned = typeof given === 'string' || given === undefined;
  const redis = (owned ? new Redis(given ?? 'redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 2 }) : given) as WithCas;
  if (typeof redis.orderlyCompareAndSet !== 'function') {
    redis.defineCommand('orderlyCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
  }
  const prefix = options.keyPrefix ?? 'orderly:';
  const keyOf = (orderId: string) => `${prefix}order:${orderId}`;
  let closing: Promise<void> | undefined;

  const close = () =>
    (closing ??= owned ? redis.quit().then(() => undefined, () => redis.disconnect()) : Promise.resolve());

  return {
    async load(orderId) {
      const json = await redis.hget(keyOf(orderId), 'record');
      return json === null ? undefined : (JSON.parse(json) as OrderRecord);
    },
    async save(record, expectedVersion) {
      if (record.version !== expectedVersion + 1) {
        throw new RangeError(`order ${record.orderId}: new version must be ${expectedVersion + 1}, got ${record.version}`);
      }
      const actual = await redis.orderlyCompareAndSet(keyOf(record.orderId), String(expectedVersion), String(record.version), JSON.stringify(record));
      if (actual !== -1) throw new VersionConflictError(record.orderId, expectedVersion, actual);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
