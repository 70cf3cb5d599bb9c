/**
 * How many deliveries a consumer holds against its credit, and who waits for room. Bounded:
 * at most one waiter per partition loop kafkajs runs.
 */
export class CreditGate {
  #held = 0;
  readonly #waiting = new Set<() => void>();

  constructor(readonly capacity: number) {}

  get held(): number {
    return this.#held;
  }

  get exhausted(): boolean {
    return this.#held >= this.capacity;
  }

  take(): void {
    this.#held++;
  }

  /** One delivery settled (or was dropped): room for one more, so wake whoever waits for it. */
  release(): void {
    this.#held = Math.max(0, this.#held - 1);
    this.wakeAll();
  }

  /** Calls `wake` once, the next time room may have appeared (or on `wakeAll`); returns a cancel. */
  whenAvailable(wake: () => void): () => void {
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }

  wakeAll(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }
}
