/** How long a child waits before it is started again. */
export interface BackoffOptions {
  /** Delay before the first restart within the period; it doubles with each further one. @default 100 */
  readonly baseMs: number;
  /** Longest delay. @default 10_000 */
  readonly maxMs: number;
  /**
   * Fraction (0..1) of the delay taken off at random, so that children which failed together
   * (a broker went away under all of them) do not all come back in the same millisecond.
   * 0 gives exact delays. @default 0.2
   */
  readonly jitter: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 100, maxMs: 10_000, jitter: 0.2 };

/**
 * Delay before restart number `attempt` (1 for the first restart of a child within the
 * supervisor's period): `min(maxMs, baseMs * 2^(attempt-1))`, less up to `jitter` of it.
 * Jitter only shortens, so `maxMs` is a true ceiling. Whole milliseconds.
 *
 * @param random a number in [0, 1); injected so tests are deterministic.
 */
export function backoffDelay(options: BackoffOptions, attempt: number, random: () => number): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 - options.jitter * random()));
}
