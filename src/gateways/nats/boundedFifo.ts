/**
 * A first-in first-out queue that refuses to grow past `capacity`: `push` says false instead.
 * Storage grows with use (an idle consumer with a large bound costs nothing) and is compacted
 * as the head advances, so a long-lived queue never keeps more than about twice what it holds.
 */
export class BoundedFifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `item` at the end; false, and nothing kept, when the queue is full. */
  push(item: T): boolean {
    if (this.length >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** Takes the oldest item, if any. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined; // let it be collected now, not at the next compaction
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the queue and says how many items it held. */
  clear(): number {
    const held = this.length;
    this.#items = [];
    this.#head = 0;
    return held;
  }
}
