import { systemClock, type Clock } from '../domain/clock.js';
import type { Envelope } from '../domain/envelope.js';
import { InvalidStreamConfigError } from './errors.js';

export interface FailureTimesConfig {
  /** Most events whose first failure is remembered; past it the oldest is forgotten (its dead letter then says "first failed" = when it arrived). @default 10_000 */
  readonly maxTracked?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * When each event's first failed attempt happened, for the dead letter's `firstFailedAt`. The
 * pipeline retries inside one delivery, so nothing else sees the attempts: this wraps the
 * handler and notes the first throw per event id, forgets it on success, and hands it to the
 * recorder (`take`) when the event is dead-lettered. Bounded by `maxTracked`; in practice by the
 * credit, since an event leaves on success or dead letter.
 */
export class FailureTimes {
  readonly #first = new Map<string, number>();
  readonly #max: number;
  readonly #clock: Clock;

  constructor(config: FailureTimesConfig = {}) {
    const max = config.maxTracked ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new InvalidStreamConfigError('maxTracked', `must be a positive integer, got ${max}`);
    this.#max = max;
    this.#clock = config.clock ?? systemClock;
  }

  /** The same handler, with its failures timed. */
  observe<R>(handler: (envelope: Envelope, attempt: number) => Promise<R>): (envelope: Envelope, attempt: number) => Promise<R> {
    return async (envelope, attempt) => {
      try {
        const value = await handler(envelope, attempt);
        this.#first.delete(envelope.id);
        return value;
      } catch (error) {
        this.noteFailure(envelope.id);
        throw error;
      }
    };
  }

  /** Records a failure of `eventId` now, unless an earlier one is remembered. */
  noteFailure(eventId: string): void {
    if (this.#first.has(eventId)) return;
    this.#first.set(eventId, this.#clock.now());
    if (this.#first.size > this.#max) this.#first.delete(this.#first.keys().next().value!);
  }

  /** The first failure of `eventId`, forgotten as it is read. */
  take(eventId: string): number | undefined {
    const at = this.#first.get(eventId);
    this.#first.delete(eventId);
    return at;
  }

  get size(): number {
    return this.#first.size;
  }
}
