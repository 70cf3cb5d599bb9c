import type { Clock } from '../../domain/clock.js';

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Time comes from the clock, read only
 * when a token is asked for, so an idle bucket costs nothing and needs no timer.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly burst: number,
    readonly perSecond: number,
    readonly clock: Pick<Clock, 'now'>,
  ) {
    if (!(burst >= 1)) throw new RangeError('burst must be at least 1');
    if (!(perSecond > 0)) throw new RangeError('perSecond must be positive');
    this.#tokens = burst;
    this.#at = clock.now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.clock.now();
    if (now > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perSecond) / 1000);
      this.#at = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
