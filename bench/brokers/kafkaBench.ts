import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type Consumer } from 'kafkajs';

// kafkajs is CommonJS and Node finds no named export for its error classes: take them off the module.
const { KafkaJSDeleteGroupsError } = kafkajs;
import type { BrokerBench, BrokerUrls, RunningConsumer } from './brokerBench.js';
import { BENCH_EVENT_TYPES, goEvents, inSlices } from './goEvents.js';
import type { Meter } from './meter.js';
import type { RunNames } from './runNames.js';

/** Orderly's gateway creates its topics with 12 partitions; the benchmark's topics match. */
const PARTITIONS = 12;

const kafkaFor = (urls: BrokerUrls, clientId: string) =>
  new Kafka({
    clientId,
    brokers: [...urls.kafkaBrokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
  });

/** Connects, subscribes from the beginning and runs; a crash kafkajs will not restart from fails the meter. */
async function started(consumer: Consumer, names: RunNames, meter: Meter, run: Parameters<Consumer['run']>[0]): Promise<RunningConsumer> {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) meter.acked.fail(payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: BENCH_EVENT_TYPES.map(names.channel), fromBeginning: true });
  await consumer.run(run);
  return { flush: async () => undefined, stop: () => consumer.disconnect() };
}

/**
 * Deletes the run's consumer group. A member that is still leaving (Orderly's consumer
 * disconnects in the background after its pipeline stops) makes it NON_EMPTY_GROUP for a
 * moment, so that is retried; a group that never existed is fine.
 */
async function deleteGroup(admin: Admin, group: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.deleteGroups([group]);
      return;
    } catch (error) {
      const codes = error instanceof KafkaJSDeleteGroupsError ? error.groups.map((g) => g.error?.type) : [];
      if (codes.length > 0 && codes.every((code) => code === 'GROUP_ID_NOT_FOUND')) return;
      if (attempt >= 20 || !codes.includes('NON_EMPTY_GROUP')) throw error;
      await sleep(500);
    }
  }
}

/** Kafka with kafkajs: topics per event type, records keyed by order id, consumer groups. */
export function kafkaBench(urls: BrokerUrls): BrokerBench {
  return {
    name: 'kafka',

    async publish(names, orders) {
      const kafka = kafkaFor(urls, `${names.runId}-producer`);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: BENCH_EVENT_TYPES.map((type) => ({ topic: names.channel(type), numPartitions: PARTITIONS })), waitForLeaders: true });
        // Idempotent: a send that kafkajs retries (a fresh topic's leaders are still settling)
        // must not write a record twice, or the run would carry duplicates with their own offsets.
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        try {
          await inSlices(goEvents(orders), 2000, async (slice) => {
            await producer.sendBatch({
              acks: -1,
              topicMessages: BENCH_EVENT_TYPES.map((type) => ({
                topic: names.channel(type),
                messages: slice.filter((e) => e.type === type).map((e) => ({ key: e.orderId, value: e.body })),
              })),
            });
          });
        } finally {
          await producer.disconnect();
        }
        // Every consumer counts to exactly this many records per topic.
        for (const type of BENCH_EVENT_TYPES) {
          const records = (await admin.fetchTopicOffsets(names.channel(type))).reduce((sum, p) => sum + (BigInt(p.high) - BigInt(p.low)), 0n);
          if (records !== BigInt(orders)) throw new Error(`kafka: ${names.channel(type)} holds ${records} records after publishing ${orders}`);
        }
      } finally {
        await admin.disconnect();
      }
    },

    // eachBatch over every partition at once, the batch's offset committed when it is done: the
    // fast at-least-once consumer of kafkajs' documentation. Kafka has no prefetch count: fetches
    // are sized in bytes (kafkajs' defaults), so `window` does not apply.
    raw(names, meter) {
      const consumer = kafkaFor(urls, `${names.runId}-raw`).consumer({ groupId: names.group, allowAutoTopicCreation: false });
      return started(consumer, names, meter, {
        autoCommit: false,
        partitionsConsumedConcurrently: PARTITIONS * BENCH_EVENT_TYPES.length,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          if (batch.messages.length === 0) return;
          for (const message of batch.messages) {
            meter.received();
            resolveOffset(message.offset);
          }
          const next = (BigInt(batch.lastOffset()) + 1n).toString();
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
          meter.acked.tick(batch.messages.length);
          await heartbeat();
        },
      });
    },

    // eachMessage with kafkajs' defaults (one partition at a time, offsets auto-committed).
    sequential(names, meter, handlerMs) {
      const consumer = kafkaFor(urls, `${names.runId}-sequential`).consumer({ groupId: names.group, allowAutoTopicCreation: false });
      return started(consumer, names, meter, {
        eachMessage: async () => {
          meter.received();
          await sleep(handlerMs);
          meter.acked.tick();
        },
      });
    },

    async cleanup(names) {
      const admin = kafkaFor(urls, `${names.runId}-cleanup`).admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(names.channelPrefix));
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
        await deleteGroup(admin, names.group);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
