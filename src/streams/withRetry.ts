import { systemClock, type Clock } from '../domain/clock.js';
import { isBackpressure, isPermanent } from './errors.js';
import { resolveRetryConfig, retrySchedule, type RetryConfig } from './retrySchedule.js';

export interface WithRetryConfig extends RetryConfig {
  /** Where the waits between attempts are timed. @default systemClock */
  readonly clock?: Clock;
}

export interface WithRetryOptions {
  /**
   * Shutdown: once aborted, a pending wait is cancelled and no further attempt starts; the
   * result is the last failure with `aborted: true`. An attempt already running is not cut short.
   */
  readonly signal?: AbortSignal;
}

/** How a run ended. Never a rejection: failures are values. */
export type RetryResult<R> =
  | { readonly ok: true; readonly value: R; readonly attempts: number }
  | {
      readonly ok: false;
      /** The last attempt's error. */
      readonly error: unknown;
      readonly attempts: number;
      /** The error was a `PermanentError`: no retry was tried after it. */
      readonly permanent: boolean;
      /** An abort cut the retries short while attempts were left: the failure is not final. */
      readonly aborted?: boolean;
    };

export type Retrier = <R>(attemptFn: (attempt: number) => Promise<R>, options?: WithRetryOptions) => Promise<RetryResult<R>>;

/**
 * Runs `attemptFn(1)`, `attemptFn(2)`, ... until one resolves, one throws a `PermanentError`, or
 * `maxAttempts` have failed, waiting `retrySchedule(attempt)` on the clock between attempts.
 * A `BackpressureError` is waited out: the same attempt runs again after the schedule's wait for
 * the number of waits so far, as often as it takes, until it passes or `signal` aborts.
 * Everything else thrown is transient. The returned promise never rejects. Validates the config
 * at once (`InvalidRetryConfigError`).
 */
export function withRetry(config: WithRetryConfig = {}): Retrier {
  const resolved = resolveRetryConfig(config);
  const delayFor = retrySchedule(resolved);
  const clock = config.clock ?? systemClock;

  return async <R>(attemptFn: (attempt: number) => Promise<R>, options: WithRetryOptions = {}): Promise<RetryResult<R>> => {
    const { signal } = options;
    let held = 0; // back-pressure waits in a row
    for (let attempt = 1; ; ) {
      try {
        return { ok: true, value: await attemptFn(attempt), attempts: attempt };
      } catch (error) {
        if (isPermanent(error)) return { ok: false, error, attempts: attempt, permanent: true };
        const backpressure = isBackpressure(error);
        if (!backpressure && attempt >= resolved.maxAttempts) return { ok: false, error, attempts: attempt, permanent: false };
        held = backpressure ? held + 1 : 0;
        const waited = await wait(clock, delayFor(backpressure ? held : attempt), signal);
        if (!waited) return { ok: false, error, attempts: attempt, permanent: false, aborted: true };
        if (!backpressure) attempt++;
      }
    }
  };
}

/** Resolves true after `ms` on `clock`, or false as soon as `signal` aborts (the timer is cleared). */
function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
