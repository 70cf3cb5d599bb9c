import type { Delivery } from './delivery.js';

/**
 * The deliveries handed to the pipeline and not yet settled, oldest first: what `/readyz` asks
 * about (a delivery stuck for long means a stuck order or store) and what metrics count.
 *
 * Bounded: the brokers' credit bounds the unsettled ones; settled ones are dropped from the front
 * as they settle and, should an old stuck delivery hold the front, by a full sweep whenever the
 * set grows past `sweepAbove`.
 */
export class InFlight {
  readonly #deliveries = new Set<Delivery>();
  readonly #sweepAbove: number;

  /** @param sweepAbove entries kept before settled ones are swept from anywhere in the set; a few times the total credit. */
  constructor(sweepAbove: number) {
    if (!Number.isSafeInteger(sweepAbove) || sweepAbove < 1) throw new RangeError(`sweepAbove must be a positive integer, got ${sweepAbove}`);
    this.#sweepAbove = sweepAbove;
  }

  add(delivery: Delivery): void {
    this.#dropSettledFront();
    this.#deliveries.add(delivery);
    if (this.#deliveries.size > this.#sweepAbove) {
      for (const d of this.#deliveries) if (d.settled) this.#deliveries.delete(d);
    }
  }

  /** Entries held, settled ones not yet dropped included: what the bound applies to. */
  get held(): number {
    return this.#deliveries.size;
  }

  /** Unsettled deliveries now (those settled since the last look are not counted). */
  get count(): number {
    let count = 0;
    for (const d of this.#deliveries) if (!d.settled) count++;
    return count;
  }

  /** Age in ms of the oldest unsettled delivery at `now`, 0 when there is none. */
  oldestAgeMs(now: number): number {
    this.#dropSettledFront();
    const oldest = this.#deliveries.values().next();
    return oldest.done ? 0 : Math.max(0, now - oldest.value.origin.receivedAt);
  }

  #dropSettledFront(): void {
    for (const d of this.#deliveries) {
      if (!d.settled) return;
      this.#deliveries.delete(d);
    }
  }
}
