import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions } from '../../streams/source.js';
import { declareTopology } from './declareTopology.js';
import { attemptOf, toInboundMessage } from './rabbitMessage.js';
import type { ResolvedRabbitMqOptions } from './rabbitMqOptions.js';

export interface ConsumeDeps {
  readonly connection: () => Promise<ChannelModel>;
  readonly options: ResolvedRabbitMqOptions;
  readonly clock: Clock;
  /** Publishes a dead letter with confirmation; resolves once the broker has it. */
  readonly publishDeadLetter: (routingKey: string, body: Buffer, headers: Record<string, string>) => Promise<void>;
}

/**
 * Consumes queues on one AMQP channel. Credit is the consumers' prefetch, split evenly between
 * the queues (quorum queues refuse a channel-wide prefetch): the broker itself never sends
 * more than `credit` unacked messages in all, so nothing buffers here. `credit` must therefore
 * be at least the number of queues.
 *
 * Unsubscribing closes the channel and RabbitMQ requeues whatever was unacked. Aborting
 * `options.signal` cancels the consumers (no new deliveries) and completes once the held
 * deliveries have settled.
 */
export function consumeQueues(deps: ConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    if (!(options.credit >= options.channels.length)) {
      subscriber.error(new RangeError(`credit ${options.credit} is less than the ${options.channels.length} queues it is split between`));
      return;
    }
    let channel: Channel | undefined;
    let closed = false;
    let stopListening: () => void = () => undefined;
    let draining = false;
    const consumerTags: string[] = [];
    const held = new Set<ConsumeMessage>();
    const timers = new Set<TimerHandle>();

    const released = (message: ConsumeMessage) => {
      held.delete(message);
      if (draining && held.size === 0) subscriber.complete();
    };

    /** Runs one channel operation for a held message; a closed channel means the broker took it back. */
    const settleWith = (message: ConsumeMessage, operation: (ch: Channel) => void): Promise<void> => {
      if (closed || !channel || !held.has(message)) {
        return Promise.reject(new RabbitDeliveryRevokedError(message.fields.routingKey, message.fields.deliveryTag));
      }
      try {
        operation(channel);
      } catch (error) {
        return Promise.reject(new RabbitDeliveryRevokedError(message.fields.routingKey, message.fields.deliveryTag, { cause: error }));
      }
      released(message);
      return Promise.resolve();
    };

    const deliveryOf = (queue: string, message: ConsumeMessage): Delivery => {
      const origin: Origin = {
        gateway: 'rabbitmq',
        channel: queue,
        coordinates: { queue: deps.options.queuePrefix + queue, deliveryTag: String(message.fields.deliveryTag) },
        attempt: attemptOf(message),
        receivedAt: deps.clock.now(),
      };
      const inbound = toInboundMessage(message);
      return createDelivery(inbound, origin, {
        ack: () => settleWith(message, (ch) => ch.ack(message)),
        retry: (delayMs) => {
          if (delayMs <= 0) return settleWith(message, (ch) => ch.nack(message, false, true));
          // The message stays unacked (holding its credit) until the delay is over.
          return new Promise<void>((resolve, reject) => {
            const timer = deps.clock.setTimeout(() => {
              timers.delete(timer);
              settleWith(message, (ch) => ch.nack(message, false, true)).then(resolve, reject);
            }, delayMs);
            timers.add(timer);
          });
        },
        deadLetter: async (reason: DeadLetterReason) => {
          const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(deps.clock.now())) };
          await deps.publishDeadLetter(queue, message.content, headers);
          await settleWith(message, (ch) => ch.ack(message));
        },
      });
    };

    const drain = () => {
      draining = true;
      const ch = channel;
      if (ch) for (const tag of consumerTags) ch.cancel(tag).catch(() => undefined);
      if (held.size === 0) subscriber.complete();
    };

    (async () => {
      const connection = await deps.connection();
      if (closed) return;
      const opened = await connection.createChannel();
      if (closed) {
        await opened.close(); // unsubscribed while it was being opened
        return;
      }
      channel = opened;
      channel.on('error', (error: unknown) => subscriber.error(error));
      // The connection went away under us (broker restart, network): end the subscription with an
      // error, so the pipeline subscribes again; RabbitMQ has already requeued what was unacked.
      channel.on('close', () => {
        if (!closed) subscriber.error(new RabbitChannelClosedError(options.channels.join(',')));
      });
      await declareTopology(channel, deps.options, options.channels);
      await channel.prefetch(Math.floor(options.credit / options.channels.length), false);
      for (const queue of options.channels) {
        if (closed || draining) break;
        const { consumerTag } = await channel.consume(deps.options.queuePrefix + queue, (message) => {
          if (message === null) return subscriber.error(new RabbitConsumerCancelledError(queue));
          held.add(message);
          subscriber.next(deliveryOf(queue, message));
        });
        consumerTags.push(consumerTag);
      }
      if (closed) return;
      stopListening = onAbort(options.signal, drain);
      // Every `basic.consume` has been answered: from now on the broker routes to these consumers.
      // A reconnect is a new subscription (see `RabbitChannelClosedError`), so it says so again.
      if (!draining) options.onReady?.();
    })().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    return () => {
      closed = true;
      stopListening();
      for (const timer of timers) deps.clock.clearTimeout(timer);
      timers.clear();
      held.clear();
      // Closing the channel hands every unacked message back to its queue.
      channel?.close().catch(() => undefined);
    };
  });
}

/** The channel that received this message is gone; RabbitMQ requeued the message. */
export class RabbitDeliveryRevokedError extends Error {
  override readonly name = 'RabbitDeliveryRevokedError';
  constructor(queue: string, deliveryTag: number, options?: { cause?: unknown }) {
    super(`delivery ${deliveryTag} from ${queue} was taken back by the broker (its channel closed)`, options);
  }
}

/** The channel closed while the subscription still wanted it (lost connection, broker restart). */
export class RabbitChannelClosedError extends Error {
  override readonly name = 'RabbitChannelClosedError';
  constructor(readonly queues: string) {
    super(`RabbitMQ channel consuming ${queues} closed`);
  }
}

/** RabbitMQ cancelled the consumer (the queue was deleted, or the node went away). */
export class RabbitConsumerCancelledError extends Error {
  override readonly name = 'RabbitConsumerCancelledError';
  constructor(readonly queue: string) {
    super(`RabbitMQ cancelled the consumer of ${queue}`);
  }
}
