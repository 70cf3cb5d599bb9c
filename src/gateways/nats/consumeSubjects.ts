import { AckPolicy, ConsumerDebugEvents, ConsumerEvents, DeliverPolicy, nanos, type Consumer, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions, OutboundMessage } from '../../streams/source.js';
import { toInboundMessage } from './natsMessage.js';
import { deadLetterMsgId } from './watchMaxDeliveries.js';
import type { ResolvedNatsOptions } from './natsOptions.js';

export interface ConsumeDeps {
  readonly jetstream: () => Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }>;
  readonly prepare: (subjects: readonly string[]) => Promise<void>;
  /** Publishes with `msgID` as `Nats-Msg-Id` (the server's dedup id) instead of the one the gateway would pick. */
  readonly publish: (subject: string, message: OutboundMessage, msgID: string) => Promise<void>;
  /** Calls `listener` after each reconnect of the gateway's connection; returns the cleanup. */
  readonly onReconnect: (listener: () => void) => () => void;
  /** Hands the gateway a settlement in flight, which its `close` lets finish before draining. */
  readonly track: (settling: Promise<unknown>) => void;
  /** True once the gateway is closing: the subscription then completes instead of recovering. */
  readonly gatewayClosed: () => boolean;
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
 * Settling: `ack` is an ack; `retry` is a `nak` with delay and `deadLetter` a publish to
 * `<subject>.dlq` then `term`, each followed by a flush so it resolves once the server has it. A
 * settlement the server did not take still gives its credit back (the server redelivers the
 * message after the ack wait). A delivery held past half the ack wait is kept with `working()`
 * (up to `maxWorkingMs`).
 *
 * Recovery: missed heartbeats on a pull, a reconnect, or a failed pull (JetStream not back yet,
 * consumer deleted) stop the pull; the member then makes sure its durable consumer exists and
 * pulls again, with backoff, for up to `recoverWithinMs`. `onReady` is called once every
 * subject's consumer exists and its first pull is out, and again after each such recovery.
 *
 * Unsubscribing stops pulling and naks what is held, so the server redelivers it at once
 * rather than after the ack wait. Aborting `options.signal` stops pulling and completes once
 * the held deliveries have settled.
 */
export function consumeSubjects(deps: ConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const { clock } = deps;
    const perSubject = Math.floor(options.credit / options.channels.length);
    if (perSubject < 1) {
      subscriber.error(new RangeError(`credit ${options.credit} is less than the ${options.channels.length} subjects it is split between`));
      return;
    }
    const minPull = Math.max(1, Math.ceil(perSubject / 4));
    const batches = new Set<ConsumerMessages>();
    /** Held unsettled, with the timer that keeps each from redelivery while it is worked on. */
    const held = new Map<JsMsg, TimerHandle | undefined>();
    const heldBySubject = new Map<string, number>();
    /** Pull loops waiting for room; every settlement wakes them all to look again. */
    const waiting = new Set<() => void>();
    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    /** Loops backing off after a failure: woken early only by a stop or a reconnect, not by settlements. */
    const backingOff = new Set<() => void>();
    const backOff = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          backingOff.delete(done);
          resolve();
        }, ms);
        const done = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        backingOff.add(done);
      });
    let closed = false;
    let stopListening: () => void = () => undefined;
    let stopWatchingReconnects: () => void = () => undefined;
    let draining = false;
    const stopped = () => closed || draining;
    /** Subjects whose consumer exists and whose pull is out since the last loss. */
    const pulling = new Set<string>();
    /** Subjects that must make sure of their consumer again before pulling (a loss was seen). */
    const lost = new Set<string>();
    let announced = false;
    let everReady = false;

    const pulled = (subject: string) => {
      pulling.add(subject);
      if (announced || stopped() || pulling.size < options.channels.length) return;
      announced = everReady = true;
      options.onReady?.();
    };
    const lose = (subjects: readonly string[]) => {
      for (const subject of subjects) {
        lost.add(subject);
        pulling.delete(subject);
      }
      announced = false;
    };

    const released = (message: JsMsg) => {
      if (!held.has(message)) return;
      clock.clearTimeout(held.get(message));
      held.delete(message);
      heldBySubject.set(message.subject, (heldBySubject.get(message.subject) ?? 1) - 1);
      wakeAll();
      if (draining && held.size === 0) subscriber.complete();
    };
    // Taken or not, the credit comes back: what the server did not take, it redelivers.
    const settleWith = async (message: JsMsg, operation: () => Promise<unknown>) => {
      if (!held.has(message)) throw new NatsDeliveryRevokedError(message.subject, message.seq);
      const settling = operation();
      deps.track(settling);
      try {
        await settling;
      } finally {
        released(message);
      }
    };
    /**
     * `ack`, `nak` and `term` are fire-and-forget; a flush is the server's word that it has them.
     * Settlements made in the same tick share one flush (one PING/PONG), instead of a request and
     * reply per message as `ackAck` costs.
     */
    let nextFlush: Promise<void> | undefined;
    const flushed = async (send: () => void) => {
      send();
      nextFlush ??= (async () => {
        const { nc } = await deps.jetstream();
        nextFlush = undefined; // what is sent from here on waits for the next flush
        await nc.flush();
      })();
      await nextFlush;
    };
    const keepWorking = (message: JsMsg) => {
      const every = deps.options.ackWaitMs / 2;
      const until = clock.now() + deps.options.maxWorkingMs;
      const tick = () => {
        if (!held.has(message)) return;
        message.working();
        // The last one sent still holds it for a full ack wait; then the server takes it back.
        held.set(message, clock.now() + every + deps.options.ackWaitMs <= until ? clock.setTimeout(tick, every) : undefined);
      };
      held.set(message, clock.setTimeout(tick, every));
    };

    const deliveryOf = (subject: string, message: JsMsg): Delivery => {
      const origin: Origin = {
        gateway: 'nats',
        channel: subject,
        coordinates: { stream: deps.options.stream, sequence: String(message.seq) },
        attempt: message.info.redeliveryCount,
        receivedAt: clock.now(),
      };
      const inbound = toInboundMessage(message);
      return createDelivery(inbound, origin, {
        ack: () => settleWith(message, () => flushed(() => message.ack())),
        retry: (delayMs) => settleWith(message, () => flushed(() => message.nak(Math.max(0, delayMs)))),
        deadLetter: async (reason: DeadLetterReason) => {
          if (!held.has(message)) throw new NatsDeliveryRevokedError(message.subject, message.seq);
          const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(clock.now())) };
          // Refused: not parked, and still held for the pipeline to settle otherwise. The dedup id is
          // the copy's own, as `watchMaxDeliveries` makes it: the original's `message-id` would make the
          // server discard the copy as a duplicate of the original (within the duplicate window), and
          // a copy the safety net makes of the same message (`term` lost, say) is then discarded instead.
          await deps.publish(`${subject}.dlq`, { body: inbound.body, headers, key: inbound.key ?? '' }, deadLetterMsgId(deps.options.stream, message.seq));
          // Parked: `term` tells the server never to deliver the original again. No reason text:
          // servers before 2.10 ignore a `+TERM <reason>` altogether (the DLQ headers carry it).
          await settleWith(message, () => flushed(() => message.term()));
        },
      });
    };

    const stopPulling = () => {
      for (const batch of batches) batch.stop();
      wakeAll();
      for (const resume of backingOff) resume();
      backingOff.clear();
    };
    const drain = () => {
      draining = true;
      stopPulling();
      if (held.size === 0) subscriber.complete();
    };

    /** Creates the group's durable consumer for `subject`, or finds it (updated to the options). */
    const consumerFor = async (subject: string): Promise<Consumer> => {
      const { js, jsm } = await deps.jetstream();
      const durable = durableName(options.group, subject);
      const config = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All, // a new group starts from the earliest retained message
        filter_subject: subject,
        max_ack_pending: deps.options.maxAckPending,
        ack_wait: nanos(deps.options.ackWaitMs),
        max_deliver: deps.options.maxDeliver,
      };
      // A server before 2.10 updates an existing durable on `add`; a later one refuses an `add` that
      // differs from it (an earlier Orderly's, without `max_deliver`, say), so it is updated instead.
      await jsm.consumers.add(deps.options.stream, config).catch(() =>
        jsm.consumers.update(deps.options.stream, durable, { max_ack_pending: config.max_ack_pending, ack_wait: config.ack_wait, max_deliver: config.max_deliver }),
      );
      return js.consumers.get(deps.options.stream, durable);
    };

    /** Watches a pull: its request is out (`next`), or the server went quiet (`heartbeats_missed`). */
    const watch = async (subject: string, batch: ConsumerMessages) => {
      for await (const status of await batch.status()) {
        if (status.type === ConsumerDebugEvents.Next) pulled(subject);
        else if (status.type === ConsumerEvents.HeartbeatsMissed) {
          lose([subject]);
          batch.stop();
        }
      }
    };

    /** Fetches what there is room for, waits for room, and again, until stopped; recovers from losses. */
    const pull = async (subject: string) => {
      let consumer: Consumer | undefined;
      let failingSince: number | undefined;
      let failures = 0;
      while (!stopped()) {
        try {
          if (!consumer || lost.has(subject)) {
            lost.delete(subject);
            consumer = await consumerFor(subject);
            if (stopped()) return;
          }
          const room = perSubject - (heldBySubject.get(subject) ?? 0);
          // Wait for a quarter of the credit to free up before asking again: pulls of one or two
          // messages at a time would cost a round trip each and starve the pipeline.
          if (room < minPull) {
            pulled(subject); // in place, with nothing to ask for until a settlement
            await new Promise<void>((resolve) => waiting.add(resolve));
            continue;
          }
          const batch = await consumer.fetch({ max_messages: room, expires: deps.options.pullExpiresMs, idle_heartbeat: deps.options.idleHeartbeatMs });
          batches.add(batch);
          void watch(subject, batch).catch(() => undefined);
          try {
            for await (const message of batch) {
              if (stopped()) {
                message.nak(); // pulled after the stop: straight back to the stream
                continue;
              }
              held.set(message, undefined);
              heldBySubject.set(subject, (heldBySubject.get(subject) ?? 0) + 1);
              keepWorking(message);
              subscriber.next(deliveryOf(subject, message));
            }
          } finally {
            batches.delete(batch);
          }
          failingSince = undefined;
          failures = 0;
        } catch (error) {
          if (stopped()) return;
          // Before the first pull a failure is the start's: said at once, naming its cause.
          if (deps.gatewayClosed() || !everReady || clock.now() - (failingSince ??= clock.now()) > deps.options.recoverWithinMs) throw error;
          lose([subject]);
          await backOff(Math.min(2000, 100 * 2 ** failures++));
        }
      }
    };

    const failed = (error: unknown) => {
      if (closed) return;
      if (deps.gatewayClosed()) subscriber.complete();
      else subscriber.error(error);
    };

    (async () => {
      await deps.jetstream();
      await deps.prepare(options.channels);
      if (stopped()) return;
      stopWatchingReconnects = deps.onReconnect(() => {
        // The server may have restarted: its pull requests are gone and the consumer must be checked.
        lose(options.channels);
        stopPulling();
      });
      for (const subject of options.channels) pull(subject).catch(failed);
      stopListening = onAbort(options.signal, drain);
    })().catch(failed);

    return () => {
      closed = true;
      stopListening();
      stopWatchingReconnects();
      stopPulling();
      // Hand back at once what was never settled, instead of waiting out the ack wait.
      for (const [message, timer] of held) {
        clock.clearTimeout(timer);
        message.nak();
      }
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
