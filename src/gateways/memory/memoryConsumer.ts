import type { Subscriber } from 'rxjs';
import type { Delivery } from '../../streams/delivery.js';
import type { MemoryGroup, QueuedMessage } from './memoryGroup.js';

/**
 * One subscription to `consume`: a member of its group on each of its channels, holding at most
 * `credit` leases (unsettled deliveries) across all of them.
 */
export class MemoryConsumer {
  /** Unsettled deliveries in emission order; its size never exceeds `credit`. */
  readonly leases = new Set<MemoryLease>();
  #lastServed = -1;
  #draining = false;

  constructor(
    readonly subscriber: Subscriber<Delivery>,
    readonly credit: number,
    readonly groups: readonly MemoryGroup[],
  ) {}

  get hasCredit(): boolean {
    return !this.#draining && !this.subscriber.closed && this.leases.size < this.credit;
  }

  /**
   * Drain (the consume `signal` aborted): take no new deliveries, let the ones held settle, then
   * complete. Completion is deferred to a microtask so it never runs inside a settlement call.
   */
  drain(): void {
    this.#draining = true;
    this.leaseEnded();
  }

  /** Called by a lease as it ends. */
  leaseEnded(): void {
    if (this.#draining && this.leases.size === 0) queueMicrotask(() => this.subscriber.complete());
  }

  /** Records which group the last delivery came from, for `groupsInTurn`. */
  served(group: MemoryGroup): void {
    this.#lastServed = this.groups.indexOf(group);
  }

  /**
   * The consumer's groups, starting after the one it was last served from: freed credit goes to
   * the next channel in turn, so one busy channel cannot starve the others of a subscription.
   */
  groupsInTurn(): MemoryGroup[] {
    const start = this.#lastServed + 1;
    return [...this.groups.slice(start), ...this.groups.slice(0, start)];
  }
}

/**
 * The broker's side of one emitted delivery. While active it holds one unit of its consumer's
 * credit and one in-flight slot of its group; `end` gives both back exactly once, which is what
 * makes a settlement after a revoke (or a revoke after a settlement) harmless.
 */
export class MemoryLease {
  #active = true;

  constructor(
    readonly consumer: MemoryConsumer,
    readonly group: MemoryGroup,
    readonly entry: QueuedMessage,
  ) {
    consumer.leases.add(this);
    group.inFlight += 1;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Frees the credit and the in-flight slot; false if the lease had already ended. */
  end(): boolean {
    if (!this.#active) return false;
    this.#active = false;
    this.consumer.leases.delete(this);
    this.group.inFlight -= 1;
    this.consumer.leaseEnded();
    return true;
  }
}
