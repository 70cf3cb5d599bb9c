import { systemClock, type Clock } from '../../domain/clock.js';
import { checkDedupTtl, type DedupStore } from '../../streams/dedupStore.js';
import { openRedisStoreConnection } from './openRedisStoreConnection.js';
import { redisKeyOf } from './redisKey.js';
import { resolveRedisStoreOptions, type RedisStoreOptions } from './redisStoreOptions.js';

export type RedisDedupStoreOptions = RedisStoreOptions;

export interface RedisDedupStore extends DedupStore {
  /**
   * Refuses new calls at once (`RedisStoreClosedError`), waits for those in flight, then quits
   * the connection if the store made it. A borrowed client is left open. Idempotent; never rejects.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The deduplicator on Redis: one key per claimed id, `<keyPrefix>dedup:<id>` (`redisKeyOf`), made with
 * `SET NX PX` so that the check and the claim are one command and Redis drops the key when the
 * ttl runs out. Redis bounds it: every key has a ttl. Failures reject with `RedisStoreError`;
 * after a failed claim the claim may or may not have been made, so a caller that retries the
 * work should `release` first.
 */
export function createRedisDedupStore(options: RedisDedupStoreOptions, deps: { clock?: Clock } = {}): RedisDedupStore {
  const resolved = resolveRedisStoreOptions(options);
  const { redis, command, close } = openRedisStoreConnection('dedup', resolved, deps.clock ?? systemClock);
  const keyOf = (id: string) => redisKeyOf(resolved.keyPrefix, 'dedup', id);

  return {
    async claim(id, ttlMs) {
      checkDedupTtl(id, ttlMs);
      // SET NX answers OK when it set the key and nil when the key was there.
      return (await command('claim', id, () => redis.set(keyOf(id), '1', 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async release(id) {
      await command('release', id, () => redis.del(keyOf(id)));
    },
    async seen(id) {
      return (await command('seen', id, () => redis.exists(keyOf(id)))) === 1;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
