import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OrderHashWrite } from './orderHashCodec.js';

/**
 * KEYS: the order hash, the outbox's pending set (event id scored by sequence), the outbox's
 * entries hash (event id → JSON), the outbox's sequence counter. ARGV: expected version, new
 * version, field to write, its value, field to delete, most pending outbox entries, then one
 * (event id, JSON) pair per outbox entry in order.
 *
 * Redis runs a script without interleaving any other command, so the version check, the record
 * and its outbox entries are one atomic step: the entries are written if and only if the record
 * is. Each entry's score comes from the counter, so the pending set orders entries by commit, and
 * one order's entries (whose saves are serialised by the version check) by transition.
 * Returns -1 when written, -2 when the outbox is full (nothing written), else the version stored
 * (0: no hash).
 */
const SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return current end
local entries = (#ARGV - 6) / 2
if entries > 0 and redis.call('ZCARD', KEYS[2]) + entries > tonumber(ARGV[6]) then return -2 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], ARGV[3], ARGV[4])
redis.call('HDEL', KEYS[1], ARGV[5])
for i = 7, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
return -1`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/** Where the outbox lives in Redis, and its bound. */
export interface OutboxKeys {
  readonly pending: string;
  readonly entries: string;
  readonly sequence: string;
}

/** One outbox entry as the script writes it. */
export interface OutboxWrite {
  readonly id: string;
  readonly json: string;
}

/** What the compare-and-set did: wrote, found another version, found the outbox full, or found a version that is not a number. */
export type CompareAndSetResult =
  | { readonly kind: 'written' }
  | { readonly kind: 'conflict'; readonly actualVersion: number }
  | { readonly kind: 'outbox-full' }
  | { readonly kind: 'unreadable'; readonly reply: unknown };

/**
 * Writes `write`, `nextVersion` and the outbox entries `outbox` only if the stored version of
 * `key` is `expectedVersion` and the outbox has room for all of them. `EVALSHA` first, the
 * script's text only when Redis does not have it cached yet (a fresh or restarted server,
 * `SCRIPT FLUSH`): nothing ran in that case, so sending it again is safe. This leaves a borrowed
 * client as it was, where `defineCommand` would add a method to it.
 */
export async function compareAndSetOrder(
  redis: Redis,
  key: string,
  expectedVersion: number,
  nextVersion: number,
  write: OrderHashWrite,
  outbox?: { readonly keys: OutboxKeys; readonly maxPending: number; readonly entries: readonly OutboxWrite[] },
): Promise<CompareAndSetResult> {
  // Without entries the script touches no outbox key; the order's own key stands in for them.
  const { keys, maxPending, entries } = outbox ?? { keys: { pending: key, entries: key, sequence: key }, maxPending: 0, entries: [] };
  const args: (string | Buffer)[] = [key, keys.pending, keys.entries, keys.sequence];
  args.push(String(expectedVersion), String(nextVersion), write.field, write.value, write.stale, String(maxPending));
  for (const entry of entries) args.push(entry.id, entry.json);
  let reply: unknown;
  try {
    reply = await redis.evalsha(SHA, 4, ...args);
  } catch (error) {
    // Redis tells a missing script only by the code that starts its error reply.
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    reply = await redis.eval(SCRIPT, 4, ...args);
  }
  if (reply === -1) return { kind: 'written' };
  if (reply === -2) return { kind: 'outbox-full' };
  if (typeof reply === 'number' && Number.isSafeInteger(reply) && reply >= 0) return { kind: 'conflict', actualVersion: reply };
  return { kind: 'unreadable', reply }; // `tonumber` gave nil: the stored version is not a number
}
