import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, KafkaMessage, Producer } from 'kafkajs';

// Against the real single-node Kafka broker that `bash scripts/kafka.sh start` runs on this
// machine (.ci/run starts it). The topic and the consumer group have names unique to the run
// and are deleted at the end; every client is disconnected, so the run leaves no open handles.
const brokers = (process.env.ORDERLY_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `${process.pid}-${Date.now()}`;
const topic = `orderly-it-${run}`;
const groupId = `orderly-it-group-${run}`;
const partitions = 12;
const consumeWithinMs = 30_000;

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: string;
}

const kafka = new Kafka({
  clientId: `orderly-it-${run}`,
  brokers,
  logLevel: logLevel.ERROR,
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  retry: { retries: 3 },
});

let admin: Admin | undefined;
let producer: Producer | undefined;
let consumer: Consumer | undefined;
let topicCreated = false;
let groupJoined = false;

/** Resolves once `count` messages arrived, or rejects after `ms`; leaves no timer behind. */
function collect(count: number, ms: number): { received: Received[]; done: Promise<void>; push: (partition: number, m: KafkaMessage) => void } {
  const received: Received[] = [];
  let settle: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = () => {
      clearTimeout(timer);
      resolve();
    };
    timer = setTimeout(() => reject(new Error(`received ${received.length} of ${count} messages within ${ms} ms`)), ms);
  });
  const push = (partition: number, m: KafkaMessage): void => {
    received.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition, offset: m.offset });
    if (received.length >= count) settle?.();
  };
  return { received, done, push };
}

describe('kafka broker - behaviour', () => {
  beforeAll(async () => {
    admin = kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(`no Kafka broker answers on ${brokers.join(',')} (start one with: bash scripts/kafka.sh start)`, { cause: error });
    }
  });

  afterAll(async () => {
    // Every step runs even if an earlier one failed, so nothing stays connected.
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    if (admin) {
      if (groupJoined) await admin.deleteGroups([groupId]).catch(() => undefined);
      if (topicCreated) await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('answers metadata requests with the broker the script advertises', async () => {
    const cluster = await admin!.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(`${cluster.brokers[0]!.host}:${cluster.brokers[0]!.port}`).toBe(brokers[0]);
  });

  it('creates a 12-partition topic, keeps same-key messages on one partition and delivers them from the earliest offset', async () => {
    expect(await admin!.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
    topicCreated = true;
    const [metadata] = (await admin!.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(partitions);

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent = [
      { key: 'order-a', value: 'order-a:placed' },
      { key: 'order-b', value: 'order-b:placed' },
      { key: 'order-a', value: 'order-a:paid' },
    ];
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    // A fresh group with no committed offsets starts at the earliest offset.
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    groupJoined = true;
    const { received, done, push } = collect(sent.length, consumeWithinMs);
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        push(partition, message);
      },
    });
    await done;

    expect(received.map((r) => r.value).sort()).toEqual(sent.map((m) => m.value).sort());
    const a = received.filter((r) => r.key === 'order-a');
    expect(a.map((r) => r.value)).toEqual(['order-a:placed', 'order-a:paid']); // one partition keeps their order
    expect(new Set(a.map((r) => r.partition)).size).toBe(1);
    expect(received.every((r) => r.partition >= 0 && r.partition < partitions)).toBe(true);
  }, 60_000);
});
