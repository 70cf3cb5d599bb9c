import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import type { LogPort } from '../../streams/logPort.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions } from '../../streams/source.js';
import { CreditGate } from './creditGate.js';
import { toInboundMessage, toKafkaMessage } from './kafkaMessage.js';
import { PartitionWatermark } from './partitionWatermark.js';

export interface ConsumeDeps {
  readonly kafka: Kafka;
  readonly producer: () => Promise<Producer>;
  readonly prepare: (topics: readonly string[]) => Promise<void>;
  readonly deadLetterTopic: (topic: string) => string;
  readonly clock: Clock;
  readonly log?: LogPort;
  /** The gateway's register of running consumers, so that closing it ends them; returns the unregister. */
  readonly track: (stop: () => Promise<void>) => () => void;
  /** Longest a fetch waits for data, and how long a fully paused member sleeps between looks. @default 200 */
  readonly maxWaitMs?: number;
  /** How often a consumer waiting for credit heartbeats, so the group keeps it. @default 3000 */
  readonly heartbeatMs?: number;
  /** kafkajs `sessionTimeout`: how long the group waits for a silent member. @default 30_000 */
  readonly sessionTimeoutMs?: number;
}

/**
 * A consumer-group member over `options.channels` (topics).
 *
 * Concurrency beyond the partition count: deliveries from one partition are handed out without
 * waiting for the previous one to settle (the pipeline runs different orders concurrently and
 * one order at a time), so the commit follows a watermark per partition: never past a message
 * that is still out or waiting for a retry.
 *
 * Credit is Kafka's own flow control: when `credit` deliveries are out, the member pauses its
 * topics, so kafkajs stops fetching them (it keeps heartbeating while idle), and resumes them when
 * one settles. A record kafkajs had fetched before the pause waits in its partition loop,
 * heartbeating, rather than going past the credit.
 *
 * Rebalance: kafkajs rejoins the group on its own, without a hook before it lets partitions go.
 * Commits go out as records settle (coalesced, one request at a time), so what settled before the
 * rebalance is committed, except a commit still waiting when the group moved on: it is dropped
 * rather than sent under the new generation. Records handed out before it belong to the old generation: their work goes on and
 * their effect is stored, but their offsets are never committed by this member (the partition may
 * now be another's, and a late commit could move its offset backwards); retries still waiting are
 * dropped and give their credit back. The group redelivers those records from the last commit,
 * and the store's dedup absorbs what was already applied — the same path as a crash between
 * store and commit. Unsubscribing disconnects: uncommitted records go to whoever gets the partition.
 */
export function consumeTopics(deps: ConsumeDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const heartbeatMs = deps.heartbeatMs ?? 3000;
    const topics = options.channels.map((topic) => ({ topic }));
    const credit = new CreditGate(options.credit);
    /** Retry timers with the generation of the record they will re-emit. */
    const retrying = new Map<TimerHandle, number>();
    const waits = new Set<TimerHandle>();
    let watermarks = new Map<string, PartitionWatermark>();
    let generation = 0;
    let consumer: Consumer | undefined;
    let closed = false;
    let draining = false;
    let paused = false;
    let stopListening: () => void = () => undefined;

    const watermarkOf = (topic: string, partition: number) => {
      const id = `${topic}/${partition}`;
      let found = watermarks.get(id);
      if (!found) watermarks.set(id, (found = new PartitionWatermark()));
      return found;
    };
    const pause = () => {
      if (paused || !consumer) return;
      paused = true;
      consumer.pause(topics);
    };
    const resume = () => {
      if (!paused || !consumer || closed || draining || credit.exhausted) return;
      paused = false;
      consumer.resume(topics);
    };
    const release = () => {
      credit.release();
      if (draining && credit.held === 0) subscriber.complete();
      else resume();
    };

    /** Watermarks that moved and are not committed yet, one entry per partition (the latest wins). */
    const uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
    /**
     * Commits what moved, one request at a time; whatever moves meanwhile is coalesced into the
     * next request. Commits are asynchronous to the acks: a record whose commit is lost (a crash,
     * a rebalance) is redelivered and the store's dedup absorbs it — the same path as a crash
     * between store and commit — so an ack never waits for a commit round trip.
     */
    const flushCommits = async () => {
      while (uncommitted.size > 0 && consumer) {
        const batch = [...uncommitted.values()];
        uncommitted.clear();
        await consumer.commitOffsets(batch).catch((error: unknown) => {
          deps.log?.warn({ gateway: 'kafka', offsets: batch, err: error }, 'commit failed; the records since the last commit will be redelivered');
        });
      }
    };
    let flushing: Promise<void> | undefined;
    const commitSoon = (topic: string, partition: number, offset: bigint) => {
      uncommitted.set(`${topic}/${partition}`, { topic, partition, offset: offset.toString() });
      flushing ??= flushCommits().finally(() => (flushing = undefined));
    };

    /** Marks the record settled; its partition's watermark, if it moved, is committed soon. */
    const settleOffset = async (topic: string, partition: number, offset: string, of: number) => {
      if (closed) throw new KafkaDeliveryRevokedError(topic, partition, offset);
      // Records of an earlier generation are never committed: see the doc comment.
      const next = of === generation ? watermarkOf(topic, partition).settle(BigInt(offset)) : undefined;
      if (next !== undefined) commitSoon(topic, partition, next);
      release();
    };

    const emit = (payload: EachMessagePayload, attempt: number, of: number) => {
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
          ack: () => settleOffset(topic, partition, message.offset, of),
          retry: async (delayMs) => {
            if (closed) throw new KafkaDeliveryRevokedError(topic, partition, message.offset);
            const timer = deps.clock.setTimeout(() => {
              retrying.delete(timer);
              if (!closed) emit(payload, attempt + 1, of);
            }, Math.max(0, delayMs));
            retrying.set(timer, of);
          },
          deadLetter: async (reason: DeadLetterReason) => {
            const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(deps.clock.now())) };
            const producer = await deps.producer();
            await producer.send({
              topic: deps.deadLetterTopic(topic),
              acks: -1,
              messages: [toKafkaMessage({ body: inbound.body, headers, key: inbound.key ?? '' })],
            });
            await settleOffset(topic, partition, message.offset, of);
          },
        }),
      );
    };

    const eachMessage = async (payload: EachMessagePayload) => {
      // Fetched before the pause took effect: wait here, heartbeating, until there is room.
      while (!closed && (credit.exhausted || draining)) {
        await new Promise<void>((resume) => {
          const timer = deps.clock.setTimeout(() => {
            waits.delete(timer);
            cancel();
            resume();
          }, heartbeatMs);
          waits.add(timer);
          const cancel = credit.whenAvailable(() => {
            deps.clock.clearTimeout(timer);
            waits.delete(timer);
            resume();
          });
        });
        // A heartbeat that fails (a rebalance under way) is thrown to kafkajs: it rejoins the group
        // and fetches this record again later, instead of the whole group waiting for our credit.
        if (!closed) await payload.heartbeat();
      }
      if (closed) return;
      credit.take();
      watermarkOf(payload.topic, payload.partition).open(BigInt(payload.message.offset));
      emit(payload, 1, generation);
      // The last credit went out: stop fetching (kafkajs leaves the rest of this batch for later).
      if (credit.exhausted) pause();
    };

    /** A new generation: see the doc comment for what happens to what the old one handed out. */
    const onGroupJoin = () => {
      generation++;
      watermarks = new Map();
      uncommitted.clear();
      for (const [timer, of] of retrying) {
        if (of === generation) continue;
        deps.clock.clearTimeout(timer);
        retrying.delete(timer);
        release();
      }
      options.onReady?.();
    };

    const drain = () => {
      draining = true;
      pause();
      credit.wakeAll();
      if (credit.held === 0) subscriber.complete();
    };

    (async () => {
      await deps.prepare(options.channels);
      if (closed) return; // unsubscribed while the topics were being made
      // A short fetch wait: while every topic is paused kafkajs sleeps this long between looks,
      // so it is also how soon fetching resumes after credit comes back.
      const member = deps.kafka.consumer({
        groupId: options.group,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: deps.maxWaitMs ?? 200,
        ...(deps.sessionTimeoutMs ? { sessionTimeout: deps.sessionTimeoutMs, heartbeatInterval: Math.min(3000, Math.floor(deps.sessionTimeoutMs / 3)) } : {}),
      });
      consumer = member;
      member.on(member.events.GROUP_JOIN, onGroupJoin);
      // kafkajs restarts a crashed consumer only after a retriable error; after any other (e.g.
      // "Failed to find group coordinator" while a broker restarts) it stops for good and says so
      // only here. Failing the subscription lets the pipeline subscribe again with backoff.
      member.on(member.events.CRASH, ({ payload }) => {
        if (!payload.restart && !closed) subscriber.error(payload.error);
      });
      await member.connect();
      if (closed) return; // the teardown disconnects it
      await member.subscribe({ topics: [...options.channels], fromBeginning: true });
      await member.run({ autoCommit: false, eachMessage });
      stopListening = onAbort(options.signal, drain);
    })().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    let disconnected: Promise<void> | undefined;
    const stop = () => {
      closed = true;
      stopListening();
      for (const timer of [...retrying.keys(), ...waits]) deps.clock.clearTimeout(timer);
      retrying.clear();
      waits.clear();
      credit.wakeAll();
      // Leaving the group hands every partition, with its uncommitted records, to the others.
      // The last commits go out before it leaves, so the next member starts where this one ended.
      return (disconnected ??= (async () => {
        await flushing;
        await flushCommits();
        await consumer?.disconnect().catch(() => undefined);
      })());
    };
    const untrack = deps.track(async () => {
      await stop();
      subscriber.complete();
    });

    return () => {
      untrack();
      void stop();
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
