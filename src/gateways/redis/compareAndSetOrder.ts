import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OrderHashWrite } from './orderHashCodec.js';

/**
 * KEYS[1] the order hash; ARGV: expected version, new version, field to write, its value, field
 * to delete. Redis runs a script without interleaving any other command, so the check and the
 * write are one atomic step. Returns -1 when written, else the version stored (0: no hash).
 */
const SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return current end
redis.call('HSET', KEYS[1], 'version', ARGV[2], ARGV[3], ARGV[4])
redis.call('HDEL', KEYS[1], ARGV[5])
return -1`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** What the compare-and-set did: wrote, found another version, or found a version that is not a number. */
export type CompareAndSetResult =
  | { readonly kind: 'written' }
  | { readonly kind: 'conflict'; readonly actualVersion: number }
  | { readonly kind: 'unreadable'; readonly reply: unknown };

/**
 * Writes `write` and `nextVersion` to `key` only if its stored version is `expectedVersion`.
 * `EVALSHA` first, the script's text only when Redis does not have it cached yet (a fresh or
 * restarted server, `SCRIPT FLUSH`): nothing ran in that case, so sending it again is safe. This
 * leaves a borrowed client as it was, where `defineCommand` would add a method to it.
 */
export async function compareAndSetOrder(
  redis: Redis,
  key: string,
  expectedVersion: number,
  nextVersion: number,
  write: OrderHashWrite,
): Promise<CompareAndSetResult> {
  const args = [key, String(expectedVersion), String(nextVersion), write.field, write.value, write.stale];
  let reply: unknown;
  try {
    reply = await redis.evalsha(SHA, 1, ...args);
  } catch (error) {
    // Redis tells a missing script only by the code that starts its error reply.
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    reply = await redis.eval(SCRIPT, 1, ...args);
  }
  if (reply === -1) return { kind: 'written' };
  if (typeof reply === 'number' && Number.isSafeInteger(reply) && reply >= 0) return { kind: 'conflict', actualVersion: reply };
  return { kind: 'unreadable', reply }; // `tonumber` gave nil: the stored version is not a number
}
