import type { Redis } from 'ioredis';
import { luaScript, runScript } from './runScript.js';

/**
 * KEYS[1] the task hash; ARGV[1] the record's JSON. Writes version 1 only where no hash is, in
 * one step (a new task is active, so it has no expiry). Returns 1 when written, 0 when taken.
 */
const CREATE = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', '1', 'record', ARGV[1])
return 1`);

/**
 * KEYS[1] the task hash; ARGV: expected version, new version, record JSON, retention in ms
 * ('0': active, keep it). Redis runs a script without interleaving any other command, so the
 * version check, the write and the expiry are one atomic step: a finished task expires
 * `retention` after the update that finished it, and one that is retried loses its expiry.
 * Returns -1 when written, else the version stored (0: no hash, nil: not a number).
 */
const COMPARE_AND_SET = luaScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return current end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
if ARGV[4] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return -1`);

/** Stores a new task's JSON as version 1 unless `key` exists; true when it was written. */
export async function createTask(redis: Redis, key: string, json: string): Promise<boolean> {
  return (await runScript(redis, CREATE, [key], [json])) === 1;
}

/** What the compare-and-set did: wrote, found another version (0: none), or found a version that is not a number. */
export type TaskCasResult =
  | { readonly kind: 'written' }
  | { readonly kind: 'conflict'; readonly actualVersion: number }
  | { readonly kind: 'unreadable'; readonly reply: unknown };

/** Writes `json` as `expectedVersion + 1` only if `key` still holds `expectedVersion`; `retentionMs` 0 keeps it for good. */
export async function compareAndSetTask(redis: Redis, key: string, expectedVersion: number, json: string, retentionMs: number): Promise<TaskCasResult> {
  const reply = await runScript(redis, COMPARE_AND_SET, [key], [expectedVersion, expectedVersion + 1, json, retentionMs]);
  if (reply === -1) return { kind: 'written' };
  if (typeof reply === 'number' && Number.isSafeInteger(reply) && reply >= 0) return { kind: 'conflict', actualVersion: reply };
  return { kind: 'unreadable', reply };
}
