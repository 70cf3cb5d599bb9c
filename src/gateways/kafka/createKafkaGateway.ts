import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Observable } from 'rxjs';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { Delivery } from '../../streams/delivery.js';
import type { ConsumeOptions, OutboundMessage, Sink, Source } from '../../streams/source.js';
import { consumeTopics } from './consumeTopics.js';
import { toKafkaMessage } from './kafkaMessage.js';

export interface KafkaOptions {
  /** Bootstrap brokers. @default ['127.0.0.1:9092'] */
  readonly brokers?: readonly string[];
  /** @default 'orderly' */
  readonly clientId?: string;
  /** Partitions of a topic Orderly creates. @default 12 */
  readonly partitions?: number;
}

export interface KafkaGateway extends Source, Sink {
  consume(options: ConsumeOptions): Observable<Delivery>;
  /** Produces with `acks: -1`, keyed by order id; resolves once the in-sync replicas have it. */
  publish(channel: string, message: OutboundMessage): Promise<void>;
  deadLetterChannel(channel: string): string;
  /** Creates the topics (and their `.dlq` topics) that do not exist yet. */
  prepare(channels: readonly string[]): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The Kafka gateway (kafkajs): topics are channels, consumer groups are groups. */
export function createKafkaGateway(options: KafkaOptions = {}, deps: { clock?: Clock } = {}): KafkaGateway {
  const clock = deps.clock ?? systemClock;
  const partitions = options.partitions ?? 12;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'orderly',
    brokers: [...(options.brokers ?? ['127.0.0.1:9092'])],
    logLevel: logLevel.ERROR,
    connectionTimeout: 3000,
    // Bounded: an unreachable cluster fails the start within seconds instead of retrying for minutes.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
  });
  let producing: Promise<Producer> | undefined;
  let administering: Promise<Admin> | undefined;
  const created = new Set<string>();
  let closing: Promise<void> | undefined;

  const producer = () =>
    (producing ??= (async () => {
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      await p.connect();
      return p;
    })());
  const admin = () =>
    (administering ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })());

  const deadLetterChannel = (channel: string) => `${channel}.dlq`;
  const prepare = async (channels: readonly string[]) => {
    const topics = [...new Set(channels.flatMap((c) => (c.endsWith('.dlq') ? [c] : [c, deadLetterChannel(c)])))].filter((t) => !created.has(t));
    if (topics.length === 0) return;
    await (await admin()).createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    for (const t of topics) created.add(t);
  };

  const close = () =>
    (closing ??= (async () => {
      await Promise.all([
        producing?.then((p) => p.disconnect()).catch(() => undefined),
        administering?.then((a) => a.disconnect()).catch(() => undefined),
      ]);
    })());

  return {
    consume: (consumeOptions) => consumeTopics({ kafka, producer, prepare, deadLetterTopic: deadLetterChannel, clock }, consumeOptions),
    publish: async (channel, message) => {
      await prepare([channel]);
      await (await producer()).send({ topic: channel, acks: -1, messages: [toKafkaMessage(message)] });
    },
    deadLetterChannel,
    prepare,
    close,
    [Symbol.asyncDispose]: close,
  };
}
