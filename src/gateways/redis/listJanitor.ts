import type { Redis } from 'ioredis';
import { listKeys, type ListKeys } from './redisListKeys.js';
import { requeuedListEntry } from './redisListEntry.js';
import { reclaimEntries } from './redisListScripts.js';

/**
 * Says "alive" for `staleAfterMs` on every list the consumer reads, and (re-)enters it in each
 * list's registry. Re-entering on every beat matters: a consumer that stalled past its TTL was
 * dropped from the registry by a janitor, and must be findable again if it dies later.
 */
export async function heartbeat(redis: Redis, lists: readonly ListKeys[], consumer: string, staleAfterMs: number): Promise<void> {
  const multi = redis.multi();
  for (const list of lists) multi.set(list.liveness, consumer, 'PX', Math.ceil(staleAfterMs)).sadd(list.registry, consumer);
  const replies = await multi.exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw failed?.[0] ?? new Error('heartbeat transaction was discarded');
}

/**
 * Puts up to `batch` of `consumer`'s entries on `list` back at the consuming end of the list,
 * each counted as one more attempt, if the consumer's liveness key is gone. Returns how many
 * moved; 0 also when none were left (the consumer then leaves the registry), -1 if it is alive.
 */
export async function reclaimConsumer(redis: Redis, keyPrefix: string, channel: string, consumer: string, batch: number): Promise<number> {
  const keys = listKeys(keyPrefix, channel, consumer);
  // Newest first (the consumer moved entries in at the left): pushed back in this order, the
  // oldest ends up at the consuming end.
  const entries = await redis.lrangeBuffer(keys.processing, 0, batch - 1);
  return reclaimEntries(redis, keys, consumer, entries.map((raw) => [raw, requeuedListEntry(raw)] as const));
}

/**
 * One janitor run over `lists`: looks at up to `batch` registered consumers of each (resuming
 * where the last run stopped, through `cursors`) and reclaims the entries of every one whose
 * liveness key has expired. Live consumers, `self` among them, are left alone.
 */
export async function reclaimGoneConsumers(
  redis: Redis,
  keyPrefix: string,
  lists: readonly ListKeys[],
  self: string,
  batch: number,
  cursors: Map<string, string>,
): Promise<void> {
  for (const list of lists) {
    const [cursor, members] = await redis.sscan(list.registry, cursors.get(list.registry) ?? '0', 'COUNT', batch);
    cursors.set(list.registry, cursor);
    for (const member of members.slice(0, batch)) {
      if (member === self) continue;
      if ((await redis.exists(listKeys(keyPrefix, list.channel, member).liveness)) === 1) continue;
      await reclaimConsumer(redis, keyPrefix, list.channel, member, batch);
    }
  }
}
