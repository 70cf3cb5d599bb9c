import type { Clock, TimerHandle } from '../../domain/clock.js';

/** Waits for `work` to settle, at most `ms`; never rejects. How every bounded wait of a close is written. */
export async function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<void> {
  let timer: TimerHandle;
  const expired = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms)));
  try {
    await Promise.race([work.then(noop, noop), expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

function noop(): void {}
