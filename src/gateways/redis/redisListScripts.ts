import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * KEYS[1] a processing list, KEYS[2] where the entry goes; ARGV[1] `LPUSH` or `RPUSH`, ARGV[2]
 * the entry as it sits in the processing list, ARGV[3] what to push instead. The entry is pushed
 * only if it was still there to remove, in one step, so an entry that a janitor took back
 * meanwhile is never pushed twice. Returns 1 when moved, 0 when it was gone.
 */
const TRANSFER = `
if redis.call('LREM', KEYS[1], 1, ARGV[2]) == 0 then return 0 end
if ARGV[1] == 'LPUSH' then redis.call('LPUSH', KEYS[2], ARGV[3]) else redis.call('RPUSH', KEYS[2], ARGV[3]) end
return 1`;

/**
 * KEYS[1] a consumer's processing list, KEYS[2] its source list, KEYS[3] the consumer's liveness
 * key, KEYS[4] the channel's registry of consumers; ARGV[1] the consumer's id, then pairs of
 * (entry as it sits in the processing list, entry to put back). Does nothing while the liveness
 * key exists (-1). Else moves each entry still there to the consuming end of the source list,
 * in the order given, and once the processing list is empty (Redis then deletes it) drops the
 * consumer from the registry. Returns how many entries it moved.
 */
const RECLAIM = `
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local moved = 0
for i = 2, #ARGV - 1, 2 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i + 1])
    moved = moved + 1
  end
end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[1]) end
return moved`;

const sha = (script: string) => createHash('sha1').update(script).digest('hex');
const SCRIPTS = { transfer: { text: TRANSFER, sha: sha(TRANSFER) }, reclaim: { text: RECLAIM, sha: sha(RECLAIM) } };

type Arg = string | Buffer;

/** `EVALSHA`, and the script's text only when Redis has not cached it (nothing ran then, so resending is safe). */
async function run(redis: Redis, script: keyof typeof SCRIPTS, keys: readonly string[], args: readonly Arg[]): Promise<number> {
  const { text, sha: digest } = SCRIPTS[script];
  try {
    return (await redis.evalsha(digest, keys.length, ...keys, ...args)) as number;
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return (await redis.eval(text, keys.length, ...keys, ...args)) as number;
  }
}

/** Moves one entry out of `processing` onto `destination` (as `replacement`); false if it was no longer there. */
export async function transferEntry(
  redis: Redis,
  processing: string,
  destination: string,
  end: 'LPUSH' | 'RPUSH',
  entry: Buffer,
  replacement: Buffer,
): Promise<boolean> {
  return (await run(redis, 'transfer', [processing, destination], [end, entry, replacement])) === 1;
}

export interface ReclaimKeys {
  readonly processing: string;
  readonly source: string;
  readonly liveness: string;
  readonly registry: string;
}

/**
 * Puts a gone consumer's entries back on its source list (see RECLAIM); `pairs` newest first, so
 * the oldest ends up consumed first. Returns how many moved, or -1 if the consumer is alive.
 */
export async function reclaimEntries(redis: Redis, keys: ReclaimKeys, consumer: string, pairs: readonly (readonly [Buffer, Buffer])[]): Promise<number> {
  return run(redis, 'reclaim', [keys.processing, keys.source, keys.liveness, keys.registry], [consumer, ...pairs.flat()]);
}
