import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The machine's Redis: shared with others and never flushed. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key prefix no other run (or other test file) uses, and the cleanup that deletes every key
 * under it and nothing else (`SCAN MATCH` + `DEL`, never `FLUSHDB`).
 */
export function runKeyPrefix(label: string): { readonly prefix: string; deleteKeys(): Promise<number> } {
  const prefix = `orderly-test-${process.pid}-${randomBytes(6).toString('hex')}-${label}:`;
  return {
    prefix,
    async deleteKeys() {
      const redis = new Redis(redisUrl);
      let deleted = 0;
      try {
        let cursor = '0';
        do {
          // The prefix is hex, digits and the label: nothing in it is a glob character.
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) deleted += await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
      return deleted;
    },
  };
}
