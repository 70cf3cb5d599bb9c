import { Observable, type Subscriber } from 'rxjs';
import { onAbort } from '../../streams/onAbort.js';
import { createDelivery } from '../../streams/createDelivery.js';
import type { Delivery, InboundMessage, Origin } from '../../streams/delivery.js';
import type { ConsumeOptions, OutboundMessage, Sink, Source } from '../../streams/source.js';
import { consumeOptionsProblems } from './consumeOptionsProblems.js';
import { BrokerClosedError, BrokerFullError, InvalidConsumeOptionsError } from './memoryBrokerErrors.js';
import { resolveMemoryBrokerOptions, type MemoryBrokerOptions } from './memoryBrokerOptions.js';
import { MemoryChannel } from './memoryChannel.js';
import { MemoryConsumer, MemoryLease } from './memoryConsumer.js';
import { MemoryDispatcher } from './memoryDispatcher.js';
import type { MemoryGroup, QueuedMessage } from './memoryGroup.js';
import { memorySettlementActions, type MemorySettlementContext } from './memorySettlementActions.js';
import { toInboundMessage } from './toInboundMessage.js';

/**
 * An at-least-once broker inside the process: Orderly's embedded default and the reference
 * behaviour for every other gateway.
 *
 * - Every consumer group of a channel gets every message; members of one group compete.
 *   Messages published before any group exists go to the first group that subscribes.
 * - FIFO per group, except that a message taken back (retry, revoke, failed dead-letter) goes
 *   to the HEAD of its group queue with attempt + 1 and overtakes the messages waiting there.
 * - A subscription never holds more than `credit` unsettled deliveries.
 * - Settling a delivery whose subscription ended (or after `close`) rejects with
 *   `DeliveryRevokedError`: the message was already taken back and will be delivered again.
 */
export interface MemoryBroker extends Source, Sink {
  /**
   * Cold: subscribing joins the group; unsubscribing returns its unsettled deliveries to the group
   * queue. Aborting `options.signal` drains: no new deliveries, and the Observable completes once
   * the ones already emitted have settled.
   */
  consume(options: ConsumeOptions): Observable<Delivery>;
  /** Resolves once the message is queued for every group (or the backlog); rejects with `BrokerFullError`, `InvalidPublishError` or `BrokerClosedError`, accepting nothing. */
  publish(channel: string, message: OutboundMessage): Promise<void>;
  /** Messages of `channel` not yet acked by `group` (waiting + in flight + awaiting retry); before any group exists, the backlog. For tests, metrics and readiness. */
  depth(channel: string, group: string): number;
  /** Unsettled deliveries currently held by consumers of `group` on `channel`. */
  inFlight(channel: string, group: string): number;
  /** The channel that dead letters of `channel` are published to. */
  deadLetterChannel(channel: string): string;
  /** Nothing to declare: channels appear on first use, and what is published before a consumer comes is kept. */
  prepare(channels: readonly string[]): Promise<void>;
  /**
   * Stops every consumer (their Observables complete); pending retries and unsettled deliveries
   * go back to the head of their queues (in-flight first, then retries, then what was waiting).
   * Later `publish` rejects and `consume` errors with `BrokerClosedError`. Idempotent.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function createMemoryBroker(options?: MemoryBrokerOptions): MemoryBroker {
  const config = resolveMemoryBrokerOptions(options);
  const { clock } = config;
  const channels = new Map<string, MemoryChannel>();
  const consumers = new Set<MemoryConsumer>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const channel = (name: string): MemoryChannel => {
    let found = channels.get(name);
    if (found === undefined) {
      if (channels.size >= config.maxChannels) throw new BrokerFullError('maxChannels', config.maxChannels, name);
      found = new MemoryChannel(name, config);
      channels.set(name, found);
    }
    return found;
  };

  const accept = (name: string, message: InboundMessage): void => dispatcher.wake(channel(name).accept(message));

  const settlement: MemorySettlementContext = {
    clock,
    deadLetterSuffix: config.deadLetterSuffix,
    isClosed: () => closed,
    accept,
    wake: (groups) => dispatcher.wake(groups),
  };

  const emit = (group: MemoryGroup, consumer: MemoryConsumer, entry: QueuedMessage): void => {
    const lease = new MemoryLease(consumer, group, entry);
    consumer.served(group);
    const origin: Origin = {
      gateway: 'memory',
      channel: group.channel,
      coordinates: { offset: String(entry.stored.offset) },
      attempt: entry.attempt,
      receivedAt: clock.now(),
    };
    consumer.subscriber.next(createDelivery(entry.stored.message, origin, memorySettlementActions(lease, origin, settlement)));
  };
  const dispatcher = new MemoryDispatcher(emit);

  /** Checks every bound before changing anything, so a refused subscription leaves no empty group behind. */
  const join = (subscriber: Subscriber<Delivery>, options: ConsumeOptions): MemoryConsumer => {
    const fresh = options.channels.filter((name) => !channels.has(name));
    if (fresh.length > 0 && channels.size + fresh.length > config.maxChannels) {
      throw new BrokerFullError('maxChannels', config.maxChannels, fresh[0] ?? '');
    }
    for (const name of options.channels) {
      const existing = channels.get(name);
      if (existing === undefined) continue;
      if (!existing.canHold(options.group)) {
        throw new BrokerFullError('maxGroupsPerChannel', config.maxGroupsPerChannel, name, options.group);
      }
      if ((existing.groups.get(options.group)?.members.length ?? 0) >= config.maxConsumersPerGroup) {
        throw new BrokerFullError('maxConsumersPerGroup', config.maxConsumersPerGroup, name, options.group);
      }
    }
    const groups = options.channels.map((name) => channel(name).group(options.group));
    const consumer = new MemoryConsumer(subscriber, options.credit, groups);
    for (const group of groups) group.members.push(consumer);
    consumers.add(consumer);
    return consumer;
  };

  /** Unsettled deliveries go back to the head of their queues in the order they were emitted. */
  const leave = (consumer: MemoryConsumer): void => {
    consumers.delete(consumer);
    for (const group of consumer.groups) group.leave(consumer);
    for (const lease of [...consumer.leases].reverse()) {
      if (lease.end()) lease.group.requeueAtHead(lease.entry);
    }
    dispatcher.wake(consumer.groups);
  };

  const shutdown = (): Promise<void> => {
    closed = true;
    dispatcher.stop();
    for (const { groups } of channels.values()) {
      for (const group of groups.values()) {
        for (const pending of [...group.retrying].reverse()) {
          clock.clearTimeout(pending.handle);
          group.requeueAtHead(pending.entry);
        }
        group.retrying.clear();
      }
    }
    // Completing runs each subscription's teardown, which takes its in-flight deliveries back.
    for (const consumer of [...consumers]) consumer.subscriber.complete();
    return Promise.resolve();
  };

  const close = (): Promise<void> => (closing ??= shutdown());

  return {
    consume: (options) =>
      new Observable<Delivery>((subscriber) => {
        const problems = consumeOptionsProblems(options);
        if (problems.length > 0) return subscriber.error(new InvalidConsumeOptionsError(problems));
        if (closed) return subscriber.error(new BrokerClosedError());
        let consumer: MemoryConsumer;
        try {
          consumer = join(subscriber, options);
        } catch (error) {
          return subscriber.error(error);
        }
        subscriber.add(() => leave(consumer));
        subscriber.add(onAbort(options.signal, () => consumer.drain()));
        options.onReady?.(); // joined its groups: anything published from now on reaches them
        dispatcher.wake(consumer.groups);
      }),
    publish: async (name, message) => {
      if (closed) throw new BrokerClosedError();
      accept(name, toInboundMessage(name, message));
    },
    depth: (name, group) => channels.get(name)?.depth(group) ?? 0,
    inFlight: (name, group) => channels.get(name)?.inFlight(group) ?? 0,
    deadLetterChannel: (name) => name + config.deadLetterSuffix,
    prepare: async () => undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
}
