/** A bounded deque was asked to hold more than its capacity: a broken invariant in the caller. */
export class BoundedDequeFullError extends Error {
  override readonly name = 'BoundedDequeFullError';
  constructor(readonly capacity: number) {
    super(`bounded deque full at capacity ${capacity}`);
  }
}

/**
 * A double-ended queue on a ring buffer that grows on demand up to `capacity` and never past it.
 * O(1) at both ends: group queues take redeliveries at the head and new messages at the tail.
 * Callers check `isFull` first; pushing into a full deque throws instead of dropping.
 */
export class BoundedDeque<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(Math.min(capacity, 16));
  }

  get length(): number {
    return this.#length;
  }

  get isFull(): boolean {
    return this.#length >= this.capacity;
  }

  pushBack(item: T): void {
    this.#reserve();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length += 1;
  }

  pushFront(item: T): void {
    this.#reserve();
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
    this.#items[this.#head] = item;
    this.#length += 1;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the message be collected once it is delivered
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length -= 1;
    return item;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i += 1) yield this.#items[(this.#head + i) % this.#items.length] as T;
  }

  #reserve(): void {
    if (this.isFull) throw new BoundedDequeFullError(this.capacity);
    if (this.#length < this.#items.length) return;
    const grown = new Array<T | undefined>(Math.min(this.capacity, Math.max(1, this.#items.length * 2)));
    for (let i = 0; i < this.#length; i += 1) grown[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = grown;
    this.#head = 0;
  }
}
