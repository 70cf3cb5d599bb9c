import { within } from '../../domain/within.js';
import { Redis } from 'ioredis';
import type { Clock } from '../../domain/clock.js';
import { RedisStoreClosedError, RedisStoreError, type RedisStoreName } from './redisStoreErrors.js';
import type { ResolvedRedisStoreOptions } from './redisStoreOptions.js';
import { quitRedis } from './quitRedis.js';

export interface RedisStoreConnection {
  readonly redis: Redis;
  /** Runs one store operation: refused once closing, tracked for `close`, its Redis failure named. */
  command<T>(operation: string, id: string, run: () => Promise<T>): Promise<T>;
  /**
   * Refuses new commands at once, waits for those in flight, then quits the connection if the
   * store made it; past `closeTimeoutMs` it stops waiting and drops it. A borrowed client is
   * left open. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

/**
 * The connection life the order store has, shared by the task and dedup stores: a connection
 * of its own made from a URL (lazy, bounded retries and command timeout) or a borrowed client.
 */
export function openRedisStoreConnection(store: RedisStoreName, options: ResolvedRedisStoreOptions, clock: Clock): RedisStoreConnection {
  const { commandTimeoutMs, closeTimeoutMs } = options;
  const owned = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? connect(options.redis, commandTimeoutMs, `orderly:${store}-store`) : options.redis;
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  const command = <T>(operation: string, id: string, run: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(new RedisStoreClosedError(store, id));
    const reply = run().catch((cause: unknown) => {
      throw new RedisStoreError(store, operation, id, { cause });
    });
    const settled: Promise<void> = reply.then(
      () => void inFlight.delete(settled),
      () => void inFlight.delete(settled),
    );
    inFlight.add(settled);
    return reply;
  };

  const close = () =>
    (closing ??= (async () => {
      const deadline = clock.now() + closeTimeoutMs;
      await within(clock, Promise.all(inFlight), closeTimeoutMs);
      if (!owned) return;
      await quitRedis(redis, clock, deadline - clock.now());
    })());

  return { redis, command, close };
}

/** A command rejects after two failed reconnects or `commandTimeoutMs` instead of queueing without end. */
function connect(url: string, commandTimeoutMs: number, connectionName: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: commandTimeoutMs, connectionName, enableAutoPipelining: true });
  redis.on('error', () => undefined); // each command rejects with the error, and ioredis reconnects
  return redis;
}
