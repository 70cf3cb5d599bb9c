import { headers as natsHeaders, type JetStreamManager, type NatsConnection, type Subscription } from 'nats';
import { systemClock, type Clock } from '../../domain/clock.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { LogPort } from '../../streams/logPort.js';

/** What the server says when a consumer gives up on a message (`io.nats.jetstream.advisory.v1.max_deliver`). */
interface MaxDeliveriesAdvisory {
  readonly stream: string;
  readonly consumer: string;
  readonly stream_seq: number;
  readonly deliveries: number;
}

export interface WatchMaxDeliveriesOptions {
  /** The stream whose consumers are watched. */
  readonly stream: string;
  /** The dead-letter subject of a subject. @default `<subject>.dlq` */
  readonly deadLetterSubject?: (subject: string) => string;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly log?: LogPort;
}

/**
 * The JetStream safety net: a message that exhausted its consumer's `max_deliver` at the server
 * (Orderly never settled it: a process that crashed on it every time, say) is copied to its
 * dead-letter subject, with the usual dead-letter headers (`max-attempts`, the delivery count,
 * the stream sequence as coordinates). The server announces it on
 * `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` and keeps the message in the
 * stream, so it is read back by sequence. The copy is published with `Nats-Msg-Id`
 * `dlq:<stream>:<seq>`: several instances watching the same stream make one copy within the
 * stream's duplicate window. Advisories are core NATS (at-most-once): missed while no watcher
 * runs, so this is a net, not the main path — the pipeline's own dead letters are. Messages
 * already on a `.dlq` subject are left alone. Returns the stop function (idempotent).
 */
export function watchMaxDeliveries(nc: NatsConnection, jsm: JetStreamManager, options: WatchMaxDeliveriesOptions): () => void {
  const clock = options.clock ?? systemClock;
  const deadLetterSubject = options.deadLetterSubject ?? ((subject: string) => `${subject}.dlq`);
  const subscription: Subscription = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${options.stream}.*`, {
    callback: (error, message) => {
      if (error) return options.log?.warn({ err: error, stream: options.stream }, 'max-deliveries advisories: subscription failed');
      let advisory: MaxDeliveriesAdvisory;
      try {
        advisory = message.json<MaxDeliveriesAdvisory>();
      } catch (cause) {
        return options.log?.warn({ err: cause }, 'max-deliveries advisory: unreadable');
      }
      copyToDeadLetters(advisory).catch((cause: unknown) =>
        options.log?.error({ err: cause, stream: advisory.stream, seq: advisory.stream_seq }, 'max-deliveries advisory: message not copied to its dead-letter subject'),
      );
    },
  });

  const copyToDeadLetters = async (advisory: MaxDeliveriesAdvisory) => {
    const stored = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq });
    if (stored.subject.endsWith('.dlq')) return;
    const original: Record<string, string> = {};
    for (const [name, values] of stored.header ?? ([] as Iterable<[string, string[]]>)) {
      const value = values[values.length - 1];
      if (value !== undefined) original[name.toLowerCase()] = value;
    }
    const origin = {
      gateway: 'nats',
      channel: stored.subject,
      coordinates: { stream: advisory.stream, sequence: String(advisory.stream_seq), consumer: advisory.consumer },
      attempt: advisory.deliveries,
      receivedAt: clock.now(),
    };
    const reason = { code: 'max-attempts' as const, message: `the server gave up after ${advisory.deliveries} deliveries (max_deliver)`, attempts: advisory.deliveries };
    const headers = natsHeaders();
    for (const [name, value] of Object.entries({ ...original, ...deadLetterHeaders(reason, origin, new Date(clock.now())) })) headers.set(name, value);
    await nc.jetstream().publish(deadLetterSubject(stored.subject), stored.data, { headers, msgID: deadLetterMsgId(advisory.stream, advisory.stream_seq) });
  };

  return () => {
    if (!subscription.isClosed()) subscription.unsubscribe();
  };
}

/**
 * The `Nats-Msg-Id` of the dead-letter copy of message `sequence` of `stream`, whoever makes it
 * (the pipeline's dead letter or this safety net): the server keeps one copy per message within
 * the stream's duplicate window.
 */
export const deadLetterMsgId = (stream: string, sequence: number) => `dlq:${stream}:${sequence}`;
