import type { Redis } from 'ioredis';

export interface RedisOrderStoreOptions {
  /**
   * An ioredis client the caller owns (the store never closes it), or a `redis://` / `rediss://`
   * URL to make one (the store owns it and closes it in `close()`).
   */
  readonly redis: Redis | string;
  /** Put before every key the store writes; the order hash is `<keyPrefix>order:<orderId>`. @default 'orderly:' */
  readonly keyPrefix?: string;
  /**
   * Keep records deflated with the embedded store's codec (about a fifth of the bytes). A store
   * reads both forms whatever this says, so it can be switched on a live dataset.
   * @default false (plain JSON, readable with `redis-cli HGET <key> record`)
   */
  readonly compact?: boolean;
  /**
   * Longest a command may wait for Redis' reply before it rejects, on a connection the store
   * makes (a borrowed client keeps its own settings; giving both is an error). A timed-out save
   * may still have been written, as the `OrderStore` contract allows. @default 5_000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Longest `close()` waits for the store's commands in flight (and, on its own connection, for
   * `QUIT`) before it drops the connection. @default 5_000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Most outbound events waiting in the outbox (`<keyPrefix>outbox:pending`); a save that would
   * go past it rejects with `OutboxFullError` and writes nothing. @default 100_000
   */
  readonly maxOutboxPending?: number;
}

export interface ResolvedRedisOrderStoreOptions {
  readonly redis: Redis | string;
  readonly keyPrefix: string;
  readonly compact: boolean;
  readonly commandTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxOutboxPending: number;
}

/** An option the store cannot use, caught before any connection is made; the message names it. */
export class RedisOrderStoreOptionsError extends Error {
  override readonly name = 'RedisOrderStoreOptionsError';
}

const isPositive = (ms: number) => typeof ms === 'number' && Number.isFinite(ms) && ms > 0;

/** Defaults filled in and every field checked, in one place. */
export function resolveRedisOrderStoreOptions(options: RedisOrderStoreOptions): ResolvedRedisOrderStoreOptions {
  const { redis } = options ?? {};
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\/./.test(redis)) throw new RedisOrderStoreOptionsError(`redis must be a redis:// or rediss:// URL, got ${JSON.stringify(redis)}`);
  } else if (typeof redis?.evalsha !== 'function' || typeof redis.hmgetBuffer !== 'function') {
    throw new RedisOrderStoreOptionsError('redis must be an ioredis client or a redis:// URL');
  } else if (options.commandTimeoutMs !== undefined) {
    throw new RedisOrderStoreOptionsError('commandTimeoutMs applies only to a connection the store makes; set commandTimeout on the client you pass');
  }
  const keyPrefix = options.keyPrefix ?? 'orderly:';
  if (typeof keyPrefix !== 'string') throw new RedisOrderStoreOptionsError(`keyPrefix must be a string, got ${typeof keyPrefix}`);
  const compact = options.compact ?? false;
  if (typeof compact !== 'boolean') throw new RedisOrderStoreOptionsError(`compact must be a boolean, got ${typeof compact}`);
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  if (!isPositive(commandTimeoutMs)) throw new RedisOrderStoreOptionsError(`commandTimeoutMs must be a positive number, got ${commandTimeoutMs}`);
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  if (!isPositive(closeTimeoutMs)) throw new RedisOrderStoreOptionsError(`closeTimeoutMs must be a positive number, got ${closeTimeoutMs}`);
  const maxOutboxPending = options.maxOutboxPending ?? 100_000;
  if (!Number.isSafeInteger(maxOutboxPending) || maxOutboxPending < 1) {
    throw new RedisOrderStoreOptionsError(`maxOutboxPending must be a positive integer, got ${maxOutboxPending}`);
  }
  return { redis, keyPrefix, compact, commandTimeoutMs, closeTimeoutMs, maxOutboxPending };
}
