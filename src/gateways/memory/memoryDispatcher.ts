import type { MemoryConsumer } from './memoryConsumer.js';
import type { MemoryGroup, QueuedMessage } from './memoryGroup.js';

/** Hands one message to one member; the dispatcher has already taken it off the group's queue. */
export type EmitDelivery = (group: MemoryGroup, consumer: MemoryConsumer, entry: QueuedMessage) => void;

/**
 * The one drain loop that moves messages from group queues to consumers with free credit.
 *
 * Anything that may make a delivery possible (a publish, a settlement, a retry coming due, a
 * consumer joining or leaving) calls `wake` with the groups concerned. If a drain is already
 * running further up the stack — a subscriber settling synchronously inside `next` — `wake` only
 * marks the groups and returns, and the running loop picks them up: the stack depth stays
 * constant however many deliveries are settled synchronously.
 *
 * Groups take turns one message at a time, so a consumer of several channels is not starved
 * by one busy channel.
 */
export class MemoryDispatcher {
  readonly #dirty = new Set<MemoryGroup>();
  readonly #emit: EmitDelivery;
  #draining = false;
  #stopped = false;

  constructor(emit: EmitDelivery) {
    this.#emit = emit;
  }

  wake(groups: Iterable<MemoryGroup>): void {
    if (this.#stopped) return;
    for (const group of groups) this.#dirty.add(group);
    this.#drain();
  }

  /** No delivery is emitted afterwards; used by `close`. */
  stop(): void {
    this.#stopped = true;
    this.#dirty.clear();
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#stopped) {
        const next = this.#dirty.values().next();
        if (next.done === true) break;
        const group = next.value;
        this.#dirty.delete(group);
        // A group with work but no member with credit drops out until a settlement or a new
        // member wakes it again.
        const member = group.queue.length > 0 ? group.pickMember() : undefined;
        if (member === undefined) continue;
        const entry = group.queue.shift();
        if (entry === undefined) continue;
        this.#dirty.add(group); // to the back of the line, before emitting, so a throw loses no work
        this.#emit(group, member, entry);
      }
    } finally {
      this.#draining = false;
    }
  }
}
