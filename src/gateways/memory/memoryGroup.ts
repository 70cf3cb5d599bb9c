import type { TimerHandle } from '../../domain/clock.js';
import type { InboundMessage } from '../../streams/delivery.js';
import type { BoundedDeque } from './boundedDeque.js';
import type { MemoryConsumer } from './memoryConsumer.js';

/** One published message as the channel keeps it; shared, read-only, by every group. */
export interface StoredMessage {
  readonly channel: string;
  /** Per-channel, assigned at publish, strictly increasing from 0. */
  readonly offset: number;
  readonly message: InboundMessage;
}

/** A message as one group sees it: the attempt count is the group's own. */
export interface QueuedMessage {
  readonly stored: StoredMessage;
  /** 1 on first delivery; +1 every time the group takes it back (retry, revoke, failed dead-letter). */
  attempt: number;
}

/** A message waiting out its retry delay; it still counts towards the group's depth. */
export interface PendingRetry {
  readonly entry: QueuedMessage;
  handle: TimerHandle;
}

/**
 * One consumer group on one channel: the group's queue (FIFO, redeliveries at the head), its
 * live members, and what it holds outside the queue. Groups are durable: they keep receiving
 * every publish after their last consumer left, so the next subscriber loses nothing.
 */
export class MemoryGroup {
  readonly members: MemoryConsumer[] = [];
  readonly retrying = new Set<PendingRetry>();
  /** Deliveries emitted to members and not yet settled or taken back. */
  inFlight = 0;
  #cursor = 0;

  constructor(
    readonly channel: string,
    readonly name: string,
    readonly queue: BoundedDeque<QueuedMessage>,
  ) {}

  /** Not yet acked by this group: waiting + in flight + awaiting retry. Bounded by `maxChannelDepth`. */
  get depth(): number {
    return this.queue.length + this.inFlight + this.retrying.size;
  }

  /** Next member with free credit, round-robin, so that competing consumers share the load. */
  pickMember(): MemoryConsumer | undefined {
    const count = this.members.length;
    for (let i = 0; i < count; i += 1) {
      const index = (this.#cursor + i) % count;
      const member = this.members[index];
      if (member?.hasCredit === true) {
        this.#cursor = (index + 1) % count;
        return member;
      }
    }
    return undefined;
  }

  leave(consumer: MemoryConsumer): void {
    const index = this.members.indexOf(consumer);
    if (index >= 0) this.members.splice(index, 1);
  }

  /**
   * Takes a message back to the HEAD of the queue with attempt + 1, so it is the next one
   * delivered: a redelivery overtakes messages that were waiting behind it (never the reverse).
   * The room is always there: the message was already counted in `depth`.
   */
  requeueAtHead(entry: QueuedMessage): void {
    entry.attempt += 1;
    this.queue.pushFront(entry);
  }
}
