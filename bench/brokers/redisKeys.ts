import { Redis } from 'ioredis';

/** A connection that fails its commands (after two reconnects) instead of queueing them without end. */
export function redisFor(url: string, name: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectionName: name, lazyConnect: true });
  redis.on('error', () => undefined); // reported by the failed command
  return redis;
}

/** Deletes every key that starts with `prefix` (SCAN, never KEYS: the server is shared and busy). */
export async function deleteKeysStartingWith(redis: Redis, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9._:-]+$/.test(prefix)) throw new Error(`refusing to delete keys by the pattern-unsafe prefix ${JSON.stringify(prefix)}`);
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
