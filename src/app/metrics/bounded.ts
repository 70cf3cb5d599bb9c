import type { Clock, TimerHandle } from '../../domain/clock.js';

/** A value read on scrape did not come within its bound. */
export class CollectTimeoutError extends Error {
  override readonly name = 'CollectTimeoutError';
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** `work`, or a `CollectTimeoutError` once `ms` have passed on `clock`; leaves no timer behind. */
export function bounded<T>(work: Promise<T>, ms: number, clock: Clock): Promise<T> {
  let timer: TimerHandle;
  const expired = new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new CollectTimeoutError(ms)), ms)));
  return Promise.race([work, expired]).finally(() => clock.clearTimeout(timer));
}
