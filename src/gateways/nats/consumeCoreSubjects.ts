import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { Delivery, InboundMessage, Origin } from '../../streams/delivery.js';
import type { LogPort } from '../../streams/logPort.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions, OutboundMessage } from '../../streams/source.js';
import { BoundedFifo } from './boundedFifo.js';
import { DropReport, type DropReason } from './dropReport.js';
import { InvalidNatsCoreConsumeError } from './natsCoreErrors.js';
import { toCoreInboundMessage } from './natsCoreMessage.js';
import type { GroupMember, QueueGroupMembers } from './queueGroupMembers.js';

/** One message as it arrived, kept until the pipeline has room for it. */
export interface Arrival {
  /** The subscribed channel (the subject, or a wildcard over it). */
  readonly channel: string;
  /** The subject it was published to. */
  readonly subject: string;
  /** Arrival number within this gateway: the only coordinate core NATS gives. */
  readonly sequence: number;
  readonly message: InboundMessage;
}

export interface CoreConsumeDeps {
  readonly connection: () => Promise<NatsConnection>;
  /** Round trip to the server: once it resolves, the server has everything sent before. */
  readonly flush: () => Promise<void>;
  readonly publish: (subject: string, message: OutboundMessage) => Promise<void>;
  readonly members: QueueGroupMembers<Arrival>;
  /** Registers a listener for "the connection is back"; returns its removal. */
  readonly onReconnect: (listener: () => void) => () => void;
  /** Registers the call that ends this consumer when the gateway closes (no error) or its connection is lost for good; returns its removal. */
  readonly onGatewayEnd: (end: (error?: unknown) => void) => () => void;
  readonly nextSequence: () => number;
  readonly countDrop: (count: number) => void;
  readonly maxBuffered: number;
  readonly dropLogIntervalMs: number;
  readonly clock: Clock;
  readonly log: LogPort;
}

/** Subjects and queue group names may not contain whitespace (the protocol separates by it). */
const blank = /\s/;

function consumeProblems(options: ConsumeOptions): string[] {
  const problems: string[] = [];
  const { channels, group, credit } = options;
  if (!Array.isArray(channels) || channels.length === 0) problems.push('channels must be a non-empty array');
  else {
    if (channels.some((c) => typeof c !== 'string' || c.length === 0 || blank.test(c))) problems.push('every channel must be a subject: non-empty, no whitespace');
    if (new Set(channels).size !== channels.length) problems.push('channels must be distinct');
  }
  if (typeof group !== 'string' || group.length === 0 || blank.test(group)) problems.push('group must be a queue group name: non-empty, no whitespace');
  if (!Number.isSafeInteger(credit) || credit < 1) problems.push(`credit must be a positive integer, got ${String(credit)}`);
  return problems;
}

/**
 * Core NATS `subscribe` with a queue group per channel — at-most-once. The server pushes every
 * message at once and keeps nothing: there is no ack, no redelivery, no flow control. So credit
 * is kept here: at most `credit` deliveries are unsettled (a retry waiting for its delay counts),
 * the rest wait in a buffer of `maxBuffered`, and what arrives when that is full is dropped,
 * counted and logged. A member of a queue group that is full hands a message to a sibling of the
 * same gateway that has room before buffering it.
 *
 * Settling: `ack` tells the server nothing (there is nothing to tell) and frees the credit;
 * `retry(delay)` re-emits the same message here after the delay with `attempt + 1` — kept only
 * in this process, so it is lost if the process dies; `deadLetter` publishes to
 * `<subject>.dlq` and waits for the server's flush before it frees the credit.
 *
 * Drain (`signal`): unsubscribes at once; what waits in the buffer or for a retry is dropped and
 * counted; the deliveries already out still settle, and the Observable completes after the last.
 * Unsubscribing drops the same and stops at once.
 */
export function consumeCoreSubjects(deps: CoreConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const problems = consumeProblems(options);
    if (problems.length > 0) {
      subscriber.error(new InvalidNatsCoreConsumeError(problems));
      return;
    }
    const { channels, group, credit } = options;
    const { clock } = deps;
    const buffer = new BoundedFifo<Arrival>(deps.maxBuffered);
    const drops = new DropReport({
      log: deps.log,
      clock,
      intervalMs: deps.dropLogIntervalMs,
      fields: { gateway: 'nats-core', group, channels, maxBuffered: deps.maxBuffered, credit },
      onDrop: deps.countDrop,
    });
    /** Deliveries out and not settled, plus retries waiting for their delay: never above `credit`. */
    let held = 0;
    const retryTimers = new Set<TimerHandle>();
    const subscriptions: Subscription[] = [];
    const cleanups: (() => void)[] = [];
    let phase: 'open' | 'draining' | 'stopped' = 'open';
    let pumping = false;

    const drop = (reason: DropReason, count = 1) => drops.add(reason, count);

    const emit = (arrival: Arrival, attempt: number) => subscriber.next(deliveryOf(arrival, attempt));
    /** Moves buffered messages into the pipeline while there is credit; loops rather than recursing when a settlement comes back synchronously. */
    const pump = () => {
      if (pumping) return;
      pumping = true;
      try {
        while (phase === 'open' && held < credit) {
          const next = buffer.shift();
          if (!next) break;
          held++;
          emit(next, 1);
        }
      } finally {
        pumping = false;
      }
    };
    const release = () => {
      if (phase === 'stopped') return; // nothing counts any more
      held--;
      pump();
      if (phase === 'draining' && held === 0) subscriber.complete();
    };

    const deliveryOf = (arrival: Arrival, attempt: number): Delivery => {
      const origin: Origin = {
        gateway: 'nats-core',
        channel: arrival.channel,
        coordinates: { subject: arrival.subject, received: String(arrival.sequence) },
        attempt,
        receivedAt: clock.now(),
      };
      return createDelivery(arrival.message, origin, {
        // At-most-once: the server forgot the message when it sent it.
        ack: async () => release(),
        retry: async (delayMs: number) => {
          if (phase !== 'open') {
            drop(phase === 'draining' ? 'drained' : 'retry-after-stop');
            release();
            return;
          }
          // The credit stays taken while the retry waits, so retries cannot pile up.
          const timer = clock.setTimeout(() => {
            retryTimers.delete(timer);
            emit(arrival, attempt + 1);
          }, Math.max(0, delayMs));
          retryTimers.add(timer);
        },
        deadLetter: async (reason) => {
          const { message } = arrival;
          const headers = { ...message.headers, ...deadLetterHeaders(reason, origin, new Date(clock.now())) };
          await deps.publish(`${arrival.subject}.dlq`, { body: message.body, headers, key: message.key ?? '' });
          release();
        },
      });
    };

    const self: GroupMember<Arrival> = {
      offer: (arrival) => {
        if (phase !== 'open' || held >= credit || buffer.length > 0) return false;
        held++;
        emit(arrival, 1);
        return true;
      },
    };

    /** nats.js calls this synchronously from its socket parser: it keeps no queue of its own (see createNatsCoreGateway). */
    const arrive = (channel: string) => (error: NatsError | null, msg: Msg) => {
      if (error) {
        if (phase !== 'stopped') subscriber.error(error); // e.g. the server refused the subscription
        return;
      }
      if (phase !== 'open') return;
      const arrival: Arrival = { channel, subject: msg.subject, sequence: deps.nextSequence(), message: toCoreInboundMessage(msg) };
      if (buffer.length === 0 && held < credit) {
        held++;
        emit(arrival, 1);
      } else if (!deps.members.handOff(group, channel, self, arrival) && !buffer.push(arrival)) {
        drop('buffer-full');
      }
    };

    const leaveServer = () => {
      for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
      for (const cleanup of cleanups.splice(0)) cleanup();
    };
    /** What waits here and not in the pipeline: gone, and counted. */
    const dropWaiting = (reason: DropReason) => {
      drop(reason, buffer.clear() + retryTimers.size);
      for (const timer of retryTimers) clock.clearTimeout(timer);
      const retries = retryTimers.size;
      retryTimers.clear();
      return retries;
    };

    const drain = () => {
      if (phase !== 'open') return;
      phase = 'draining';
      leaveServer();
      held -= dropWaiting('drained');
      if (held === 0) subscriber.complete();
    };
    const stopListening = onAbort(options.signal, drain);

    const ready = async () => {
      await deps.flush();
      if (phase === 'open') options.onReady?.();
    };

    (async () => {
      const nc = await deps.connection();
      if (phase !== 'open') return;
      for (const channel of channels) {
        subscriptions.push(nc.subscribe(channel, { queue: group, callback: arrive(channel) }));
        cleanups.push(deps.members.join(group, channel, self));
      }
      // nats.js sends every live subscription again on reconnect; the flush then says it is in place.
      cleanups.push(
        deps.onReconnect(() => {
          ready().catch((error: unknown) => deps.log.warn({ gateway: 'nats-core', group, channels, err: error }, 'core NATS consumer not confirmed after reconnect'));
        }),
      );
      await ready();
    })().catch((error: unknown) => {
      if (phase !== 'stopped') subscriber.error(error);
    });
    const stopOnGatewayEnd = deps.onGatewayEnd((error) => (error === undefined ? subscriber.complete() : subscriber.error(error)));

    return () => {
      if (phase === 'stopped') return;
      const wasOpen = phase === 'open';
      phase = 'stopped';
      stopListening();
      stopOnGatewayEnd();
      leaveServer();
      if (wasOpen) dropWaiting('stopped');
      drops.close();
    };
  });
}
