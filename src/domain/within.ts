import type { Clock, TimerHandle } from './clock.js';

/** Waits for `work` to settle, at most `ms` on `clock`; never rejects, leaves no timer. How every bounded wait (a close, a drain) is written. */
export async function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) return;
  let timer: TimerHandle;
  const expired = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  try {
    await Promise.race([work.then(noop, noop), expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

function noop(): void {}
