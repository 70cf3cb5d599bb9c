import type { Redis } from 'ioredis';

/** How the task and dedup stores reach Redis; the same fields as the order store's, checked the same way. */
export interface RedisStoreOptions {
  /**
   * An ioredis client the caller owns (the store never closes it), or a `redis://` / `rediss://`
   * URL to make one (the store owns it and closes it in `close()`).
   */
  readonly redis: Redis | string;
  /** Put before every key the store writes (`<keyPrefix>task:<id>`, `<keyPrefix>dedup:<id>`). @default 'orderly:' */
  readonly keyPrefix?: string;
  /**
   * Longest a command may wait for Redis' reply before it rejects, on a connection the store
   * makes (a borrowed client keeps its own settings; giving both is an error). A timed-out write
   * may still have happened. @default 5_000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Longest `close()` waits for the store's commands in flight (and, on its own connection, for
   * `QUIT`) before it drops the connection. @default 5_000
   */
  readonly closeTimeoutMs?: number;
}

export interface ResolvedRedisStoreOptions {
  readonly redis: Redis | string;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/** An option a store cannot use, caught before any connection is made; the message names it. */
export class RedisStoreOptionsError extends Error {
  override readonly name = 'RedisStoreOptionsError';
}

/** Whether `value` is a positive whole number of milliseconds (Redis takes no fractions in PX). */
export const isPositiveMs = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** Defaults filled in and every field checked, in one place. */
export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  const { redis } = options ?? {};
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\/./.test(redis)) throw new RedisStoreOptionsError(`redis must be a redis:// or rediss:// URL, got ${JSON.stringify(redis)}`);
  } else if (typeof redis?.evalsha !== 'function' || typeof redis.hmget !== 'function') {
    throw new RedisStoreOptionsError('redis must be an ioredis client or a redis:// URL');
  } else if (options.commandTimeoutMs !== undefined) {
    throw new RedisStoreOptionsError('commandTimeoutMs applies only to a connection the store makes; set commandTimeout on the client you pass');
  }
  const keyPrefix = options.keyPrefix ?? 'orderly:';
  if (typeof keyPrefix !== 'string') throw new RedisStoreOptionsError(`keyPrefix must be a string, got ${typeof keyPrefix}`);
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  if (!isPositiveMs(commandTimeoutMs)) throw new RedisStoreOptionsError(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  if (!isPositiveMs(closeTimeoutMs)) throw new RedisStoreOptionsError(`closeTimeoutMs must be a positive integer, got ${closeTimeoutMs}`);
  return { redis, keyPrefix, commandTimeoutMs, closeTimeoutMs };
}
