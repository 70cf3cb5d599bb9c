/**
 * The commit rule for one partition: deliveries from it settle in any order (different keys
 * run concurrently), but the committed offset may only move past a message once it and every
 * message before it have settled. `next` is what to commit: the lowest unsettled offset, or one
 * past the highest settled when none is outstanding. Bounded by the consumer's credit.
 */
export class PartitionWatermark {
  /** Offsets emitted and not yet settled, ascending (Kafka hands a partition over in order). */
  readonly #open: bigint[] = [];
  #highestSettled: bigint | undefined;

  /** Records that `offset` was handed out. */
  open(offset: bigint): void {
    const last = this.#open[this.#open.length - 1];
    if (last === undefined || offset > last) this.#open.push(offset);
    else if (!this.#open.includes(offset)) {
      this.#open.push(offset);
      this.#open.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
  }

  /** Records that `offset` settled; returns the offset to commit if it moved, else undefined. */
  settle(offset: bigint): bigint | undefined {
    const before = this.next;
    const index = this.#open.indexOf(offset);
    if (index >= 0) this.#open.splice(index, 1);
    if (this.#highestSettled === undefined || offset > this.#highestSettled) this.#highestSettled = offset;
    const after = this.next;
    return after !== undefined && after !== before ? after : undefined;
  }

  /** The offset to commit now, or undefined if nothing has settled yet. */
  get next(): bigint | undefined {
    const lowestOpen = this.#open[0];
    if (lowestOpen !== undefined) return lowestOpen;
    return this.#highestSettled === undefined ? undefined : this.#highestSettled + 1n;
  }

  get outstanding(): number {
    return this.#open.length;
  }
}
