import type { Clock } from '../../domain/clock.js';
import type { SettlementActions } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, InboundMessage, Origin } from '../../streams/delivery.js';
import { DeadLetterFailedError, DeliveryRevokedError, InvalidRetryDelayError } from './memoryBrokerErrors.js';
import type { MemoryLease } from './memoryConsumer.js';
import type { MemoryGroup, PendingRetry } from './memoryGroup.js';

/** What the settlements need from the broker around them. */
export interface MemorySettlementContext {
  readonly clock: Clock;
  readonly deadLetterSuffix: string;
  /** True from the moment `close()` starts: no retry timer may be started after it. */
  isClosed(): boolean;
  /** Accepts a message on a channel (created if needed) or throws, changing nothing. */
  accept(channel: string, message: InboundMessage): void;
  wake(groups: Iterable<MemoryGroup>): void;
}

/**
 * The broker side of one delivery's settlements. `createDelivery` guarantees at most one of
 * them is called; the lease guarantees that a settlement arriving after the broker took the
 * delivery back (unsubscribe, close) rejects with `DeliveryRevokedError` and changes nothing.
 * Every settlement frees the consumer's credit synchronously, which is what lets the next
 * message flow.
 */
export function memorySettlementActions(lease: MemoryLease, origin: Origin, context: MemorySettlementContext): SettlementActions {
  const { group, entry, consumer } = lease;
  const { channel, offset, message } = entry.stored;
  const release = () => context.wake(consumer.groupsInTurn());
  const takeBack = () => {
    group.requeueAtHead(entry);
    release();
  };

  return {
    ack: () => {
      if (!lease.end()) return Promise.reject(new DeliveryRevokedError('ack', channel, offset));
      release();
      return Promise.resolve();
    },

    retry: (delayMs: number) => {
      if (!lease.end()) return Promise.reject(new DeliveryRevokedError('retry', channel, offset));
      // A bad delay is a programming error; the message must still not be stranded.
      if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
        takeBack();
        return Promise.reject(new InvalidRetryDelayError(delayMs));
      }
      if (context.isClosed()) {
        takeBack(); // no timer may outlive close: the message waits in its queue instead
        return Promise.resolve();
      }
      const pending: PendingRetry = { entry, handle: undefined };
      group.retrying.add(pending);
      pending.handle = context.clock.setTimeout(() => {
        if (!group.retrying.delete(pending)) return; // close() already took it back
        group.requeueAtHead(entry);
        context.wake([group]);
      }, delayMs);
      release();
      return Promise.resolve();
    },

    deadLetter: (reason: DeadLetterReason) => {
      // The lease ends first so that nothing run by the dead-letter publish can also revoke it.
      if (!lease.end()) return Promise.reject(new DeliveryRevokedError('deadLetter', channel, offset));
      const target = channel + context.deadLetterSuffix;
      const headers = { ...message.headers, ...deadLetterHeaders(reason, origin, new Date(context.clock.now())) };
      try {
        context.accept(target, { body: message.body, headers, ...(message.key === undefined ? {} : { key: message.key }) });
      } catch (error) {
        takeBack(); // not parked, so not forgotten
        return Promise.reject(new DeadLetterFailedError(channel, offset, target, { cause: error }));
      }
      release();
      return Promise.resolve();
    },
  };
}
