import { Kafka, logLevel, type Consumer, type ConsumerConfig } from 'kafkajs';
import type { Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/domain/clock.js';
import { consumeTopics } from '../../../src/gateways/kafka/consumeTopics.js';
import { createKafkaGateway } from '../../../src/gateways/kafka/createKafkaGateway.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { unique } from '../../contract/sourceContract.js';

// Against the Kafka broker that scripts/kafka.sh runs (CI starts it). Topics and groups are named
// for the run and deleted at the end.
const brokers = [process.env.ORDERLY_KAFKA_BROKERS ?? '127.0.0.1:9092'];
const patienceMs = 30_000;
const kafka = new Kafka({ clientId: 'orderly-flow-test', brokers, logLevel: logLevel.NOTHING });
const topics: string[] = [];

const text = (d: Delivery) => new TextDecoder().decode(d.message.body);
const message = (body: string) => ({ body: new TextEncoder().encode(body), headers: {}, key: body });

async function eventually(check: () => boolean, what: string, timeoutMs = patienceMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function topicWith(gateway: ReturnType<typeof createKafkaGateway>, count: number): Promise<{ topic: string; bodies: string[] }> {
  const topic = unique('flow');
  topics.push(topic, gateway.deadLetterChannel(topic));
  await gateway.prepare([topic]);
  const bodies = Array.from({ length: count }, (_, i) => `m${i}`);
  await Promise.all(bodies.map((body) => gateway.publish(topic, message(body))));
  return { topic, bodies };
}

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafka gateway - flow control and rebalance', () => {
  it('pauses its topics when the credit runs out and resumes them when a delivery settles', async () => {
    const gateway = createKafkaGateway({ brokers, partitions: 3 });
    const { topic, bodies } = await topicWith(gateway, 12);
    // The real kafkajs consumer, watched: every pause and resume it is asked for is recorded.
    const calls: string[] = [];
    const watched = Object.create(kafka) as Kafka;
    watched.consumer = (config: ConsumerConfig): Consumer => {
      const consumer = kafka.consumer(config);
      const { pause, resume } = consumer;
      consumer.pause = (t) => (calls.push('pause'), pause.call(consumer, t));
      consumer.resume = (t) => (calls.push('resume'), resume.call(consumer, t));
      return consumer;
    };
    const deliveries: Delivery[] = [];
    const stops: Array<() => Promise<void>> = [];
    const subscription: Subscription = consumeTopics(
      {
        kafka: watched,
        producer: () => Promise.reject(new Error('not used')),
        prepare: async () => undefined,
        deadLetterTopic: (t) => `${t}.dlq`,
        clock: systemClock,
        track: (stop) => (stops.push(stop), () => undefined),
      },
      { channels: [topic], group: unique('group'), credit: 2 },
    ).subscribe((d) => deliveries.push(d));
    try {
      await eventually(() => deliveries.length === 2, 'two deliveries');
      expect(calls).toEqual(['pause']);
      await deliveries[0]!.ack();
      expect(calls.slice(0, 2)).toEqual(['pause', 'resume']);
      // Settling as they come, everything arrives with never more than two out.
      while (deliveries.length < bodies.length) {
        expect(deliveries.filter((d) => !d.settled).length).toBeLessThanOrEqual(2);
        const count = deliveries.length;
        await Promise.all(deliveries.filter((d) => !d.settled).map((d) => d.ack()));
        await eventually(() => deliveries.length > count, 'more deliveries');
      }
      expect(deliveries.map(text).sort()).toEqual([...bodies].sort());
      expect(calls.filter((c) => c === 'pause').length).toBeGreaterThan(1);
    } finally {
      subscription.unsubscribe();
      await Promise.all(stops.map((stop) => stop()));
      await gateway.close();
    }
  });

  it('loses nothing when a second member joins while the first holds deliveries, and commits everything in the end', { timeout: 90_000 }, async () => {
    const first = createKafkaGateway({ brokers, partitions: 6 });
    const second = createKafkaGateway({ brokers, partitions: 6 });
    const { topic, bodies } = await topicWith(first, 60);
    const group = unique('group');
    const held: Delivery[] = [];
    const got = new Set<string>();
    const a = first.consume({ channels: [topic], group, credit: 20 }).subscribe((d) => held.push(d));
    let b: Subscription | undefined;
    try {
      await eventually(() => held.length === 20, 'the first member to fill its credit');
      // A second member joins: the group rebalances while the first still holds 20 deliveries.
      let joined = 0;
      b = second.consume({ channels: [topic], group, credit: 20, onReady: () => joined++ }).subscribe((d) => {
        got.add(text(d));
        void d.ack();
      });
      await eventually(() => joined > 0, 'the second member to get its partitions');
      // The first member's work goes on and settles; what it held is also redelivered where needed.
      await eventually(
        () => {
          for (const d of held) {
            got.add(text(d));
            if (!d.settled) void d.ack();
          }
          return got.size === bodies.length;
        },
        'every message across both members',
      );
      expect([...got].sort()).toEqual([...bodies].sort());
      // Copies redelivered by the rebalance are settled too, and then the group's offsets reach the
      // end of every partition: nothing committed past an unsettled record, nothing left behind.
      const admin = kafka.admin();
      await admin.connect();
      try {
        const endOf = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.offset]));
        let behind: unknown[] = ['not read yet'];
        const deadline = Date.now() + patienceMs;
        while (behind.length > 0 && Date.now() < deadline) {
          for (const d of held) if (!d.settled) void d.ack();
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          behind = committed!.partitions.filter((p) => p.offset !== endOf.get(p.partition));
          if (behind.length > 0) await new Promise((r) => setTimeout(r, 200));
        }
        expect(behind).toEqual([]);
      } finally {
        await admin.disconnect();
      }
    } finally {
      a.unsubscribe();
      b?.unsubscribe();
      await first.close();
      await second.close();
    }
  });
});
