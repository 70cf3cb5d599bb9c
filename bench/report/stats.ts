/** Median and spread of a handful of measurements; pure. */
export interface Spread {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation between closest ranks). */
  readonly q1: number;
  readonly q3: number;
}

/** The value below which `p` (0–1) of `sorted` lies, interpolating between closest ranks. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** Undefined when nothing finite was measured; non-finite values (a failed round's NaN) are left out. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return { n: sorted.length, median: quantile(sorted, 0.5), min: sorted[0]!, max: sorted[sorted.length - 1]!, q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
}

export const median = (values: readonly number[]): number | undefined => spreadOf(values)?.median;

/**
 * Orderly's round k against the baseline's round k, for every round both have: ratios
 * (Orderly ÷ baseline) or differences (Orderly − baseline). Pairing by round is what the
 * alternation buys: a slow spell of the shared machine hits both sides of a pair alike.
 */
export function paired(orderly: readonly number[], baseline: readonly number[], how: 'ratio' | 'difference'): number[] {
  const n = Math.min(orderly.length, baseline.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = orderly[i]!;
    const b = baseline[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b) || (how === 'ratio' && b === 0)) continue;
    out.push(how === 'ratio' ? a / b : a - b);
  }
  return out;
}
