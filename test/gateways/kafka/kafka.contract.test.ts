import { Kafka, logLevel } from 'kafkajs';
import { createKafkaGateway } from '../../../src/gateways/kafka/createKafkaGateway.js';
import { sourceContract } from '../../contract/sourceContract.js';

// Against the Kafka broker that scripts/kafka.sh runs on 127.0.0.1:9092 (CI starts it). Every
// topic a test creates is named for the run and deleted when the test's gateway closes.
const brokers = [process.env.ORDERLY_KAFKA_BROKERS ?? '127.0.0.1:9092'];

sourceContract({
  name: 'kafka gateway',
  // Kafka counts no redeliveries, and shares a group's work by partition, not by message.
  features: { countsRedeliveries: false, competingConsumers: false, independentGroups: true, durable: true, outlivesGateway: true },
  patienceMs: 30_000,
  async create() {
    const gateway = createKafkaGateway({ brokers, partitions: 3 });
    const topics = new Set<string>();
    let closing: Promise<void> | undefined;
    return {
      ...gateway,
      prepare: async (channels) => {
        for (const c of channels) topics.add(c);
        await gateway.prepare(channels);
      },
      // Idempotent like the gateway's own close: the topics are deleted once.
      close: () =>
        (closing ??= (async () => {
          await gateway.close();
          if (topics.size === 0) return;
          const admin = new Kafka({ clientId: 'orderly-test-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
          await admin.connect();
          await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
          await admin.disconnect();
        })()),
    };
  },
});
