import { Redis } from 'ioredis';
import type { OrderScan } from '../../actors/jobs/orderScan.js';
import type { OrderRecord } from '../../actors/orderRecord.js';
import { orderHashCodec } from './orderHashCodec.js';

export interface RedisOrderScanOptions {
  /** A URL (the scan makes its own connection, closed by `close`) or a client to borrow. */
  readonly redis: string | Redis;
  /** The order store's key prefix. @default 'orderly:' */
  readonly keyPrefix?: string;
  /** Keys asked for per `SCAN` and records fetched per pipeline: what the scan holds in memory. @default 500 */
  readonly batchSize?: number;
}

export interface RedisOrderScan extends OrderScan {
  /** Quits the connection if the scan made it. Idempotent. */
  close(): Promise<void>;
}

/** Escapes the glob characters of a key prefix for `SCAN MATCH`. */
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Reads every order the Redis order store holds (`<keyPrefix>order:<orderId>` hashes) with
 * `SCAN`, a batch at a time, each batch's records fetched in one pipeline and decoded by the
 * store's own codec. `SCAN` may return a key twice (while Redis resizes its table): the scan
 * remembers the keys it yielded, one string per order, so a report counts each order once. Keys
 * of another type under the prefix are skipped.
 */
export function createRedisOrderScan(options: RedisOrderScanOptions): RedisOrderScan {
  const keyPrefix = options.keyPrefix ?? 'orderly:';
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const owned = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? new Redis(options.redis, { lazyConnect: true, maxRetriesPerRequest: 2, connectionName: 'orderly:order-scan' }) : options.redis;
  if (owned) redis.on('error', () => undefined); // each command rejects with it
  const codec = orderHashCodec(true); // reads either form, whatever it would write
  const base = `${keyPrefix}order:`;
  let closing: Promise<void> | undefined;

  return {
    async *scan(): AsyncIterable<OrderRecord> {
      let cursor = '0';
      const seen = new Set<string>();
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(base)}*`, 'COUNT', batchSize);
        cursor = next;
        const pipeline = redis.pipeline();
        const fresh = keys.filter((key) => !seen.has(key));
        for (const key of fresh) pipeline.hmgetBuffer(key, ...codec.fields);
        const replies = fresh.length === 0 ? [] : ((await pipeline.exec()) ?? []);
        for (let i = 0; i < fresh.length; i++) {
          const key = fresh[i]!;
          seen.add(key);
          const [error, values] = replies[i] ?? [null, null];
          if (error) continue; // not a hash: not an order record
          const record = codec.decode(key.slice(base.length), key, values as (Buffer | null)[]);
          if (record) yield record;
        }
      } while (cursor !== '0');
    },
    close: () =>
      (closing ??= (async () => {
        if (!owned) return;
        if (redis.status === 'ready') await redis.quit().catch(() => undefined);
        if (redis.status !== 'end') redis.disconnect();
      })()),
  };
}
