import { Kafka, logLevel } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../domain/clock.js';
import { within } from '../../domain/within.js';
import { bounded, CollectTimeoutError } from './bounded.js';

/** The little of a kafkajs `Admin` the lag needs. */
export interface KafkaLagAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  fetchTopicOffsets(topic: string): Promise<ReadonlyArray<{ readonly partition: number; readonly high: string; readonly low: string }>>;
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }> }>>;
}

export interface KafkaLagOptions {
  /** The consumer group whose committed offsets are compared with the partitions' ends (ORDERLY_CONSUMER_GROUP). Required. */
  readonly group: string;
  /** The topics consumed, prefix included: the values of the `topic` label. Required. */
  readonly topics: readonly string[];
  /** Bootstrap brokers of the default admin client (KAFKA_BROKERS). @default ['127.0.0.1:9092'] */
  readonly brokers?: readonly string[];
  /** Makes the admin client, on the first scrape and again after a failed one. @default a kafkajs admin on `brokers` */
  readonly admin?: () => KafkaLagAdmin;
  /** Longest a scrape waits for the offsets; past it that scrape has no lag series. @default 2000 */
  readonly timeoutMs?: number;
  /** How long offsets once read are reused, so that frequent scrapes cost the cluster nothing more. @default 5000 */
  readonly cacheMs?: number;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Records past the group's committed offset (all retained ones when it has committed none). */
  readonly lag: number;
}

export interface KafkaLagReader {
  /** The lag per partition, read at most once per `cacheMs`; undefined when the cluster did not answer in time. Never rejects. */
  read(): Promise<readonly PartitionLag[] | undefined>;
  /** Reads that failed or ran out of time so far. */
  readonly failures: number;
  /** Disconnects the admin client, within `timeoutMs`. Idempotent. */
  close(): Promise<void>;
}

/** Reads the consumer group's lag with an admin client made on first use, bounded in time and cached. */
export function kafkaLagReader(options: KafkaLagOptions, clock: Clock): KafkaLagReader {
  const timeoutMs = options.timeoutMs ?? 2000;
  const cacheMs = options.cacheMs ?? 5000;
  const makeAdmin = options.admin ?? (() => defaultAdmin(options.brokers ?? ['127.0.0.1:9092'], timeoutMs));
  let admin: Promise<KafkaLagAdmin> | undefined;
  let cached: { readonly at: number; readonly value: readonly PartitionLag[] | undefined } | undefined;
  let reading: Promise<readonly PartitionLag[] | undefined> | undefined;
  let closing: Promise<void> | undefined;
  let failures = 0;

  const connected = () =>
    (admin ??= (async () => {
      const made = makeAdmin();
      await made.connect();
      return made;
    })());
  // A failed client is dropped whole: the next read starts from a fresh connection.
  const dropAdmin = async () => {
    const dropped = admin;
    admin = undefined;
    await within(clock, (dropped ?? Promise.resolve(undefined)).then((a) => a?.disconnect()), timeoutMs);
  };
  const fetch = async (): Promise<readonly PartitionLag[]> => {
    const client = await connected();
    const topics = [...options.topics];
    // One request at a time: kafkajs serialises its metadata updates, and parallel ones wait on its lock.
    const ends: Awaited<ReturnType<KafkaLagAdmin['fetchTopicOffsets']>>[] = [];
    for (const topic of topics) ends.push(await client.fetchTopicOffsets(topic));
    const committed = await client.fetchOffsets({ groupId: options.group, topics });
    const committedOf = new Map(committed.flatMap(({ topic, partitions }) => partitions.map((p) => [`${topic}:${p.partition}`, BigInt(p.offset)] as const)));
    return topics.flatMap((topic, i) =>
      (ends[i] ?? []).map(({ partition, high, low }) => {
        const offset = committedOf.get(`${topic}:${partition}`) ?? -1n;
        const from = offset >= 0n ? offset : BigInt(low);
        const lag = BigInt(high) - from;
        return { topic, partition, lag: lag > 0n ? Number(lag) : 0 };
      }),
    );
  };

  return {
    get failures() {
      return failures;
    },
    read: () => {
      if (closing) return Promise.resolve(undefined);
      if (cached && clock.now() - cached.at < cacheMs) return Promise.resolve(cached.value);
      return (reading ??= bounded(fetch(), timeoutMs, clock)
        .then(
          (value) => value,
          async (error: unknown) => {
            failures++;
            // A client that failed is replaced; one that is only slow (a busy event loop, a slow
            // cluster) is kept, so that it can finish connecting for the next read.
            if (!(error instanceof CollectTimeoutError)) await dropAdmin();
            return undefined;
          },
        )
        .then((value) => {
          cached = { at: clock.now(), value };
          reading = undefined;
          return value;
        }));
    },
    close: () => (closing ??= (async () => {
      await reading;
      await dropAdmin();
    })()),
  };
}

/**
 * `orderly_kafka_consumer_lag{topic,partition}`, read on scrape through `reader`, and
 * `orderly_kafka_lag_read_failures_total` for the reads that went without it.
 */
export function registerKafkaLag(registry: Registry, reader: KafkaLagReader): void {
  new Counter({
    name: 'orderly_kafka_lag_read_failures_total',
    help: 'Reads of the Kafka consumer lag that failed or ran out of time (scrapes until the next read have no lag series).',
    registers: [registry],
    // Collected side by side with the lag: waits for the same read so that both tell of it.
    async collect() {
      await reader.read();
      this.reset();
      this.inc(reader.failures);
    },
  });
  new Gauge({
    name: 'orderly_kafka_consumer_lag',
    help: "Records on each partition past the consumer group's committed offset.",
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      const lags = await reader.read();
      this.reset();
      if (lags === undefined) return;
      for (const { topic, partition, lag } of lags) this.set({ topic, partition: String(partition) }, lag);
    },
  });
}

function defaultAdmin(brokers: readonly string[], timeoutMs: number): KafkaLagAdmin {
  const kafka = new Kafka({
    clientId: 'orderly-metrics',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    // A few quick retries (a fresh client's first requests can find no broker in its pool yet);
    // the scrape's own bound cuts them short, and the next read tries again.
    retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
  });
  return kafka.admin();
}
