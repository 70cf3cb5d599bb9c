import { connect as amqpConnect } from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { connect as natsConnect } from 'nats';

/** The brokers a scale run can use, and what it needs of each beyond Orderly's own gateway. */
export type ScaleBroker = 'kafka' | 'nats' | 'rabbitmq' | 'redis';

export interface BrokerRun {
  /** Settings for every process of the run (Orderly and the harness's own gateway). */
  readonly env: Record<string, string>;
  /** Partitions of the keyed channel, where the broker has them. */
  partitions(channel: string): Promise<number | undefined>;
  /**
   * Resolves with how long (ms) until the consumer group is stable with `members` members, or
   * undefined where the broker has no group membership to watch (RabbitMQ, JetStream).
   */
  settled(group: string, members: number, timeoutMs: number): Promise<number | undefined>;
  /** Removes everything the run made on the broker. Never throws. */
  cleanup(): Promise<void>;
}

/**
 * Broker-specific settings and clean-up for a run named `run` (channels under `<run>.`). `env`: the
 * run's own settings; a broker of the run's own (a chaos run's) is reached through its URL there,
 * else the machine's shared one.
 */
export function brokerRun(broker: ScaleBroker, run: string, env: Readonly<Record<string, string>> = {}): BrokerRun {
  const prefix = `${run}.`;
  const silentKafka = () => new Kafka({ clientId: 'orderly-scale', brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  switch (broker) {
    case 'kafka':
      return {
        // A killed member's partitions move after 6 s (the broker's minimum) instead of 30.
        env: { ORDERLY_SOURCES: 'kafka', KAFKA_SESSION_TIMEOUT_MS: '6000' },
        async partitions(channel) {
          const admin = silentKafka().admin();
          await admin.connect();
          try {
            return (await admin.fetchTopicMetadata({ topics: [channel] })).topics[0]?.partitions.length;
          } finally {
            await admin.disconnect();
          }
        },
        async settled(group, members, timeoutMs) {
          const admin = silentKafka().admin();
          await admin.connect();
          const start = Date.now();
          try {
            while (Date.now() - start < timeoutMs) {
              const described = (await admin.describeGroups([group])).groups[0];
              if (described?.state === 'Stable' && described.members.length === members) return Date.now() - start;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
            return undefined;
          } finally {
            await admin.disconnect();
          }
        },
        async cleanup() {
          const admin = silentKafka().admin();
          try {
            await admin.connect();
            const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
            if (topics.length > 0) await admin.deleteTopics({ topics });
            // A killed member stays in its groups until its session times out; a non-empty group cannot be deleted.
            for (let attempt = 1; attempt <= 15; attempt++) {
              const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(run));
              if (groups.length === 0) break;
              await admin.deleteGroups(groups).catch(() => undefined);
              await new Promise((resolve) => setTimeout(resolve, 1_000));
            }
          } catch {
            // best effort: a run must not fail on its clean-up
          } finally {
            await admin.disconnect().catch(() => undefined);
          }
        },
      };
    case 'nats': {
      const stream = run.replace(/[^A-Za-z0-9_-]/g, '_');
      return {
        env: { ORDERLY_SOURCES: 'nats', ORDERLY_NATS_STREAM: stream },
        partitions: async () => undefined,
        settled: async () => undefined,
        async cleanup() {
          const nc = await natsConnect({ servers: (env.NATS_URL ?? '127.0.0.1:4222').split(',') }).catch(() => undefined);
          if (!nc) return;
          await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
          await nc.close();
        },
      };
    }
    case 'redis':
      // Redis Streams on the run's REDIS_URL: its streams and groups are keys under `<run>.`, which the run removes with its other keys.
      // What a killed consumer held is claimed by another after 5 s idle instead of 30.
      return { env: { ORDERLY_SOURCES: 'redis', ORDERLY_REDIS_CLAIM_IDLE_MS: '5000' }, partitions: async () => undefined, settled: async () => undefined, cleanup: async () => undefined };
    case 'rabbitmq': {
      const jobsExchange = `tasks-${run}`;
      const jobsQueuePrefix = `${run}.tasks.`;
      return {
        env: { ORDERLY_SOURCES: 'rabbitmq', ORDERLY_AMQP_CONNECTION_NAME: run, ORDERLY_JOBS_EXCHANGE: jobsExchange, ORDERLY_JOBS_CHANNEL_PREFIX: jobsQueuePrefix },
        partitions: async () => undefined,
        settled: async () => undefined,
        async cleanup() {
          const connection = await amqpConnect(env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672').catch(() => undefined);
          if (!connection) return;
          try {
            // Queues: the channels and status channel under the prefix, the task queues; each with its .dlq.
            const bases = ['orders', 'order.status', 'order.created', 'payment.completed', 'payment.failed', 'order.cancelled', 'order.shipped'].map((c) => prefix + c);
            const tasks = ['email', 'report'].map((t) => `${jobsQueuePrefix}${prefix}${t}`);
            for (const queue of [...bases, ...tasks].flatMap((q) => [q, `${q}.dlq`])) {
              const channel = await connection.createChannel();
              channel.on('error', () => undefined);
              await channel.deleteQueue(queue).catch(() => undefined);
              await channel.close().catch(() => undefined);
            }
            const channel = await connection.createChannel();
            channel.on('error', () => undefined);
            for (const exchange of [jobsExchange, `${jobsExchange}.dlx`]) await channel.deleteExchange(exchange).catch(() => undefined);
            await channel.close().catch(() => undefined);
          } finally {
            await connection.close().catch(() => undefined);
          }
        },
      };
    }
  }
}
