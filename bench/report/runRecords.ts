import type { RunRecord } from './jsonOutput.js';

/**
 * `value` of every round of one side at one size, indexed by round (round 1 first), NaN where
 * that round failed or never ran: the shape `paired()` lines up round by round.
 */
export function byRound<M>(records: readonly RunRecord<M>[], size: number | string, kind: string, value: (m: M) => number): number[] {
  const mine = records.filter((r) => r.size === size && r.kind === kind);
  const rounds = Math.max(0, ...records.filter((r) => r.size === size).map((r) => r.round));
  const out = Array.from({ length: rounds }, () => Number.NaN);
  for (const r of mine) if (r.measurement !== undefined) out[r.round - 1] = value(r.measurement);
  return out;
}

/** The sizes in the order they were first measured. */
export const sizesOf = <M>(records: readonly RunRecord<M>[]): (number | string)[] => [...new Set(records.map((r) => r.size))];

/** One line per failed measurement. */
export const failuresOf = <M>(records: readonly RunRecord<M>[], what: (r: RunRecord<M>) => string): string[] =>
  records.filter((r) => r.error !== undefined).map((r) => `${what(r)}, round ${r.round}, ${r.kind}: ${r.error}`);
