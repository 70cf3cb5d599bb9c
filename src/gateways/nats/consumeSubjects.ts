import { AckPolicy, DeliverPolicy, nanos, type Consumer, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from 'nats';
import { Observable } from 'rxjs';
import type { Clock } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions, OutboundMessage } from '../../streams/source.js';
import { toInboundMessage } from './natsMessage.js';
import type { ResolvedNatsOptions } from './natsOptions.js';

export interface ConsumeDeps {
  readonly jetstream: () => Promise<{ js: JetStreamClient; jsm: JetStreamManager }>;
  readonly prepare: (subjects: readonly string[]) => Promise<void>;
  readonly publish: (subject: string, message: OutboundMessage) => Promise<void>;
  readonly options: ResolvedNatsOptions;
  readonly clock: Clock;
}

/** Durable consumer names may not contain dots or wildcards. */
const durableName = (group: string, subject: string) => `${group}__${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * One durable pull consumer per subject for the group (members of a group share it and so
 * compete; every group has its own and gets everything). Credit is pull-based: each member
 * fetches only as many messages as it has room for (its credit, split evenly between the
 * subjects, minus what it holds unsettled) and fetches again when a settlement frees room —
 * the server never sends more than was asked for. `max_ack_pending` stays as the group-wide
 * safety net (`ResolvedNatsOptions.maxAckPending`).
 *
 * Unsubscribing stops pulling and naks what is held, so the server redelivers it at once
 * rather than after the ack wait. Aborting `options.signal` stops pulling and completes once
 * the held deliveries have settled.
 */
export function consumeSubjects(deps: ConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const perSubject = Math.floor(options.credit / options.channels.length);
    if (perSubject < 1) {
      subscriber.error(new RangeError(`credit ${options.credit} is less than the ${options.channels.length} subjects it is split between`));
      return;
    }
    const batches = new Set<ConsumerMessages>();
    const held = new Set<JsMsg>();
    const heldBySubject = new Map<string, number>();
    /** Pull loops waiting for room; every settlement wakes them all to look again. */
    const waiting = new Set<() => void>();
    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    let closed = false;
    let stopListening: () => void = () => undefined;
    let draining = false;

    const released = (message: JsMsg) => {
      if (!held.delete(message)) return;
      heldBySubject.set(message.subject, (heldBySubject.get(message.subject) ?? 1) - 1);
      wakeAll();
      if (draining && held.size === 0) subscriber.complete();
    };
    const settleWith = async (message: JsMsg, operation: () => Promise<unknown> | void) => {
      if (!held.has(message)) throw new NatsDeliveryRevokedError(message.subject, message.seq);
      await operation();
      released(message);
    };

    const deliveryOf = (subject: string, message: JsMsg): Delivery => {
      const origin: Origin = {
        gateway: 'nats',
        channel: subject,
        coordinates: { stream: deps.options.stream, sequence: String(message.seq) },
        attempt: message.info.redeliveryCount,
        receivedAt: deps.clock.now(),
      };
      const inbound = toInboundMessage(message);
      return createDelivery(inbound, origin, {
        ack: () => settleWith(message, () => message.ackAck()),
        retry: (delayMs) => settleWith(message, () => message.nak(Math.max(0, delayMs))),
        deadLetter: async (reason: DeadLetterReason) => {
          const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(deps.clock.now())) };
          await deps.publish(`${subject}.dlq`, { body: inbound.body, headers, key: inbound.key ?? '' });
          await settleWith(message, () => message.ackAck());
        },
      });
    };

    const stopPulling = () => {
      for (const batch of batches) batch.stop();
      wakeAll();
    };
    const drain = () => {
      draining = true;
      stopPulling();
      if (held.size === 0) subscriber.complete();
    };

    /** Fetches what there is room for, waits for room, and again, until stopped. */
    const pull = async (subject: string, consumer: Consumer) => {
      while (!closed && !draining) {
        const room = perSubject - (heldBySubject.get(subject) ?? 0);
        if (room <= 0) {
          await new Promise<void>((resolve) => waiting.add(resolve));
          continue;
        }
        const batch = await consumer.fetch({ max_messages: room, expires: 1000 });
        batches.add(batch);
        for await (const message of batch) {
          if (closed || draining) {
            message.nak(); // pulled after the stop: straight back to the stream
            continue;
          }
          held.add(message);
          heldBySubject.set(subject, (heldBySubject.get(subject) ?? 0) + 1);
          subscriber.next(deliveryOf(subject, message));
        }
        batches.delete(batch);
      }
    };

    (async () => {
      const { js, jsm } = await deps.jetstream();
      await deps.prepare(options.channels);
      for (const subject of options.channels) {
        if (closed || draining) return;
        const durable = durableName(options.group, subject);
        const config = {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All, // a new group starts from the earliest retained message
          filter_subject: subject,
          max_ack_pending: deps.options.maxAckPending,
          ack_wait: nanos(deps.options.ackWaitMs),
        };
        await jsm.consumers.add(deps.options.stream, config).catch(() =>
          jsm.consumers.update(deps.options.stream, durable, { max_ack_pending: config.max_ack_pending, ack_wait: config.ack_wait }),
        );
        const consumer = await js.consumers.get(deps.options.stream, durable);
        pull(subject, consumer).catch((error: unknown) => {
          if (!closed) subscriber.error(error);
        });
      }
      stopListening = onAbort(options.signal, drain);
    })().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    return () => {
      closed = true;
      stopListening();
      stopPulling();
      // Hand back at once what was never settled, instead of waiting out the ack wait.
      for (const message of held) message.nak();
      held.clear();
    };
  });
}

/** The subscription that received this message has ended; the server redelivers it. */
export class NatsDeliveryRevokedError extends Error {
  override readonly name = 'NatsDeliveryRevokedError';
  constructor(subject: string, sequence: number) {
    super(`message ${sequence} of ${subject} was handed back when its consumer ended`);
  }
}
