import type { Redis } from 'ioredis';
import type { JournalEntry } from './journal.js';

/**
 * The raw client's verdict: `effects` (the hash `rawPausingConsumer` counts each message id in)
 * must hold every confirmed message exactly as often as it was published (a planned duplicate
 * repeats its id), and nothing else. Orderly's own runs are judged by the oracle instead.
 */
export async function rawEffectsVerdict(redis: Redis, effects: string, journal: readonly JournalEntry[]): Promise<{ ok: boolean; line: string }> {
  const seen = await redis.hgetall(effects);
  const expected = new Map<string, number>();
  for (const e of journal) expected.set(e.id, (expected.get(e.id) ?? 0) + 1);
  let lost = 0;
  let twice = 0;
  for (const [id, n] of expected) {
    const got = Number(seen[id] ?? 0);
    if (got < n) lost++;
    if (got > n) twice++;
  }
  const unknown = Object.keys(seen).filter((id) => !expected.has(id)).length;
  const ok = lost + twice + unknown === 0;
  return { ok, line: `effects: ${ok ? 'PASS' : 'FAIL'} ${journal.length} confirmed messages, ${lost} lost, ${twice} handled twice, ${unknown} unknown` };
}
