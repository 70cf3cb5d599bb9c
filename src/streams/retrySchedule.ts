import { InvalidRetryConfigError } from './errors.js';

export interface RetryConfig {
  /** Most attempts in all, the first one included; `1` means never retry. A positive integer. @default 5 */
  readonly maxAttempts?: number;
  /** Delay after the first failed attempt, before jitter. A positive integer, at most `maxDelayMs`. @default 100 */
  readonly baseDelayMs?: number;
  /** Longest delay, before jitter. A positive integer. @default 10_000 */
  readonly maxDelayMs?: number;
  /** Growth of the delay per failed attempt. A finite number >= 1. @default 2 */
  readonly factor?: number;
  /**
   * Fraction of each delay that is randomised, in [0, 1]: `0` is no jitter, `0.5` is "equal
   * jitter", `1` is "full jitter". @default 0.5
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** A `RetryConfig` with every default filled in and every field validated. */
export type ResolvedRetryConfig = Required<RetryConfig>;

const defaults: ResolvedRetryConfig = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
  random: Math.random,
};

/** Fills in the defaults and validates; throws `InvalidRetryConfigError` naming the first bad field. */
export function resolveRetryConfig(config: RetryConfig = {}): ResolvedRetryConfig {
  const resolved: ResolvedRetryConfig = {
    maxAttempts: config.maxAttempts ?? defaults.maxAttempts,
    baseDelayMs: config.baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: config.maxDelayMs ?? defaults.maxDelayMs,
    factor: config.factor ?? defaults.factor,
    jitter: config.jitter ?? defaults.jitter,
    random: config.random ?? defaults.random,
  };
  for (const field of ['maxAttempts', 'baseDelayMs', 'maxDelayMs'] as const) {
    const value = resolved[field];
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidRetryConfigError(field, `must be a positive integer, got ${value}`);
  }
  if (resolved.baseDelayMs > resolved.maxDelayMs) {
    throw new InvalidRetryConfigError('baseDelayMs', `(${resolved.baseDelayMs}) must not exceed maxDelayMs (${resolved.maxDelayMs})`);
  }
  if (!Number.isFinite(resolved.factor) || resolved.factor < 1) {
    throw new InvalidRetryConfigError('factor', `must be a finite number >= 1, got ${resolved.factor}`);
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new InvalidRetryConfigError('jitter', `must be within [0, 1], got ${resolved.jitter}`);
  }
  if (typeof resolved.random !== 'function') throw new InvalidRetryConfigError('random', 'must be a function');
  return resolved;
}

/**
 * Exponential backoff with proportional jitter. For the 1-based `attempt` that just failed the
 * capped delay is `d = min(maxDelayMs, baseDelayMs * factor^(attempt - 1))`, and the returned
 * delay is `round(d * (1 - jitter * r))` with `r = random()`: always within
 * `[d * (1 - jitter), d]`, so the cap holds and the spread never collapses to zero unless
 * `jitter` is 1 ("full jitter"). With the default `jitter` 0.5 this is "equal jitter".
 * Deterministic for a given `random`. Throws `InvalidRetryConfigError` on a bad config and
 * `RangeError` for an `attempt` that is not a positive integer.
 */
export function retrySchedule(config: RetryConfig = {}): (attempt: number) => number {
  const { baseDelayMs, maxDelayMs, factor, jitter, random } = resolveRetryConfig(config);
  return (attempt) => {
    if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
    const capped = Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
    const r = Math.min(Math.max(random(), 0), 1);
    return Math.round(capped * (1 - jitter * r));
  };
}
