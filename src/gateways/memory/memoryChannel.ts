import type { InboundMessage } from '../../streams/delivery.js';
import { BoundedDeque } from './boundedDeque.js';
import { BrokerFullError } from './memoryBrokerErrors.js';
import { MemoryGroup, type QueuedMessage } from './memoryGroup.js';

export interface MemoryChannelLimits {
  readonly maxChannelDepth: number;
  readonly maxGroupsPerChannel: number;
}

/**
 * One channel: assigns offsets and fans every accepted message out to each of its groups.
 * Before any group exists, messages wait in a backlog that the first group adopts, so a producer
 * that publishes before its consumer starts loses nothing. Later groups start from the next
 * publish (like a new durable queue bound to an exchange), not from the channel's history.
 */
export class MemoryChannel {
  readonly groups = new Map<string, MemoryGroup>();
  #nextOffset = 0;
  #backlog: BoundedDeque<QueuedMessage> | undefined;

  constructor(
    readonly name: string,
    readonly limits: MemoryChannelLimits,
  ) {
    this.#backlog = new BoundedDeque(limits.maxChannelDepth);
  }

  /**
   * Accepts a message for every group, or for none: any group at its depth bound refuses it
   * with `BrokerFullError` before anything changes. Returns the groups that now have work.
   */
  accept(message: InboundMessage): MemoryGroup[] {
    const max = this.limits.maxChannelDepth;
    for (const group of this.groups.values()) {
      if (group.depth >= max) throw new BrokerFullError('maxChannelDepth', max, this.name, group.name);
    }
    if (this.#backlog?.isFull === true) throw new BrokerFullError('maxChannelDepth', max, this.name);
    const stored = { channel: this.name, offset: this.#nextOffset, message };
    this.#nextOffset += 1;
    if (this.#backlog !== undefined) {
      this.#backlog.pushBack({ stored, attempt: 1 });
      return [];
    }
    const groups = [...this.groups.values()];
    for (const group of groups) group.queue.pushBack({ stored, attempt: 1 });
    return groups;
  }

  /** Whether `group` could be joined without passing `maxGroupsPerChannel`. */
  canHold(group: string): boolean {
    return this.groups.has(group) || this.groups.size < this.limits.maxGroupsPerChannel;
  }

  /** The group named `name`, created on first use; the first group created adopts the backlog. */
  group(name: string): MemoryGroup {
    const existing = this.groups.get(name);
    if (existing !== undefined) return existing;
    if (!this.canHold(name)) throw new BrokerFullError('maxGroupsPerChannel', this.limits.maxGroupsPerChannel, this.name, name);
    const queue = this.#backlog ?? new BoundedDeque<QueuedMessage>(this.limits.maxChannelDepth);
    this.#backlog = undefined;
    const group = new MemoryGroup(this.name, name, queue);
    this.groups.set(name, group);
    return group;
  }

  /** Not acked by `group`; for a channel without groups yet, the backlog the first group will adopt. */
  depth(group: string): number {
    if (this.#backlog !== undefined) return this.#backlog.length;
    return this.groups.get(group)?.depth ?? 0;
  }

  inFlight(group: string): number {
    return this.groups.get(group)?.inFlight ?? 0;
  }
}
