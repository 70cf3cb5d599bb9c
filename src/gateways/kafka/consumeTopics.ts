import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions } from '../../streams/source.js';
import { toInboundMessage, toKafkaMessage } from './kafkaMessage.js';
import { PartitionWatermark } from './partitionWatermark.js';

export interface ConsumeDeps {
  readonly kafka: Kafka;
  readonly producer: () => Promise<Producer>;
  readonly prepare: (topics: readonly string[]) => Promise<void>;
  readonly deadLetterTopic: (topic: string) => string;
  readonly clock: Clock;
  /** How often a consumer waiting for credit heartbeats, so the group keeps it. @default 3000 */
  readonly heartbeatMs?: number;
}

/**
 * A consumer-group member over `options.channels` (topics). Deliveries from one partition are
 * handed out without waiting for the previous one to settle — the pipeline runs different
 * orders concurrently — so the commit follows a watermark per partition: never past a message
 * that is still out. When `credit` deliveries are out, the member stops taking messages from
 * kafkajs (its partition loop waits, heartbeating) until one settles; kafkajs then fetches no
 * further. A retry re-emits the same record after its delay, holding its place in the
 * watermark. Unsubscribing disconnects: uncommitted records go to whoever gets the partition.
 */
export function consumeTopics(deps: ConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const heartbeatMs = deps.heartbeatMs ?? 3000;
    const watermarks = new Map<string, PartitionWatermark>();
    const timers = new Set<TimerHandle>();
    const waiting = new Set<() => void>();
    let consumer: Consumer | undefined;
    let held = 0;
    let closed = false;
    let stopListening: () => void = () => undefined;
    let draining = false;
    let commits: Promise<unknown> = Promise.resolve();

    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    const watermarkOf = (topic: string, partition: number) => {
      const id = `${topic}/${partition}`;
      let found = watermarks.get(id);
      if (!found) watermarks.set(id, (found = new PartitionWatermark()));
      return found;
    };

    /** Marks the record settled and commits the partition's watermark if it moved. */
    const settleOffset = async (topic: string, partition: number, offset: string) => {
      if (closed) throw new KafkaDeliveryRevokedError(topic, partition, offset);
      const next = watermarkOf(topic, partition).settle(BigInt(offset));
      let committed: Promise<unknown> = Promise.resolve();
      if (next !== undefined && consumer) {
        const member = consumer;
        // Commits go out one at a time, in order, so a later commit never lands before an earlier
        // one; and they are queued before a drain can complete, since leaving waits for them.
        committed = commits = commits.then(() => member.commitOffsets([{ topic, partition, offset: next.toString() }]));
      }
      held--;
      wakeAll();
      if (draining && held === 0) subscriber.complete();
      await committed;
    };

    const emit = (payload: EachMessagePayload, attempt: number) => {
      const { topic, partition, message } = payload;
      const origin: Origin = {
        gateway: 'kafka',
        channel: topic,
        coordinates: { topic, partition: String(partition), offset: message.offset },
        attempt,
        receivedAt: deps.clock.now(),
      };
      const inbound = toInboundMessage(message);
      subscriber.next(
        createDelivery(inbound, origin, {
          ack: () => settleOffset(topic, partition, message.offset),
          retry: async (delayMs) => {
            if (closed) throw new KafkaDeliveryRevokedError(topic, partition, message.offset);
            const timer = deps.clock.setTimeout(() => {
              timers.delete(timer);
              if (!closed) emit(payload, attempt + 1);
            }, Math.max(0, delayMs));
            timers.add(timer);
          },
          deadLetter: async (reason: DeadLetterReason) => {
            const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(deps.clock.now())) };
            const producer = await deps.producer();
            await producer.send({
              topic: deps.deadLetterTopic(topic),
              acks: -1,
              messages: [toKafkaMessage({ body: inbound.body, headers, key: inbound.key ?? '' })],
            });
            await settleOffset(topic, partition, message.offset);
          },
        }),
      );
    };

    const eachMessage = async (payload: EachMessagePayload) => {
      // Credit: hold this partition's loop (and so kafkajs' fetching) until there is room.
      while (!closed && (held >= options.credit || draining)) {
        await new Promise<void>((resume) => {
          waiting.add(resume);
          const timer = deps.clock.setTimeout(resume, heartbeatMs);
          timers.add(timer);
        });
        if (!closed) await payload.heartbeat().catch(() => undefined);
      }
      if (closed) return;
      held++;
      watermarkOf(payload.topic, payload.partition).open(BigInt(payload.message.offset));
      emit(payload, 1);
    };

    const drain = () => {
      draining = true;
      if (held === 0) subscriber.complete();
    };

    (async () => {
      await deps.prepare(options.channels);
      if (closed) return; // unsubscribed while the topics were being made
      const member = deps.kafka.consumer({ groupId: options.group, allowAutoTopicCreation: false });
      consumer = member;
      await member.connect();
      if (closed) return; // the teardown disconnects it
      await consumer.subscribe({ topics: [...options.channels], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage });
      stopListening = onAbort(options.signal, drain);
    })().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    return () => {
      closed = true;
      stopListening();
      for (const timer of timers) deps.clock.clearTimeout(timer);
      timers.clear();
      wakeAll();
      // Leaving the group hands every partition, with its uncommitted records, to the others.
      void commits.catch(() => undefined).then(() => consumer?.disconnect().catch(() => undefined));
    };
  });
}

/** The member that received this record has left the group; the record will be redelivered. */
export class KafkaDeliveryRevokedError extends Error {
  override readonly name = 'KafkaDeliveryRevokedError';
  constructor(topic: string, partition: number, offset: string) {
    super(`record ${topic}/${partition}@${offset} was handed back when its consumer left`);
  }
}
