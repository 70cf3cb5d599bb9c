import { Kafka, logLevel, Partitioners, type Admin, type logCreator, type Producer } from 'kafkajs';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { LogPort } from '../../streams/logPort.js';
import { consumeTopics } from './consumeTopics.js';
import { toKafkaMessage } from './kafkaMessage.js';

export interface KafkaOptions {
  /** Bootstrap brokers. @default ['127.0.0.1:9092'] */
  readonly brokers?: readonly string[];
  /** @default 'orderly' */
  readonly clientId?: string;
  /** Partitions of a topic Orderly creates. @default 12 */
  readonly partitions?: number;
  /**
   * How long the group waits for a silent member (a killed process) before giving its partitions
   * to the others; within the broker's `group.min.session.timeout.ms` (6 s by default). @default 30_000
   */
  readonly sessionTimeoutMs?: number;
}

/**
 * kafkajs' own log lines, through the app's logger with the gateway named, instead of kafkajs'
 * JSON on stderr. Its errors while a new topic elects leaders are retried by kafkajs itself, so
 * they are warnings here.
 */
function kafkaLogs(log: LogPort): logCreator {
  return () => ({ level, log: entry }) => {
    const { message, ...fields } = entry;
    const withGateway = { gateway: 'kafka', ...fields };
    if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(withGateway, message);
    else if (level === logLevel.INFO) log.info(withGateway, message);
    else log.debug(withGateway, message);
  };
}

/** This gateway is a plain `BrokerGateway`; its specifics are in the doc comment below. */
export type KafkaGateway = BrokerGateway;

/**
 * The Kafka gateway (kafkajs): topics are channels, consumer groups are groups (see
 * `consumeTopics` for credit and the commit watermark). Publishing produces keyed by order id
 * with `acks: -1`, so it resolves once the in-sync replicas have the record; `prepare` creates
 * the topics and their `.dlq` topics with `partitions` partitions.
 */
export function createKafkaGateway(options: KafkaOptions = {}, deps: { clock?: Clock; log?: LogPort } = {}): KafkaGateway {
  const clock = deps.clock ?? systemClock;
  const partitions = options.partitions ?? 12;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'orderly',
    brokers: [...(options.brokers ?? ['127.0.0.1:9092'])],
    logLevel: deps.log ? logLevel.WARN : logLevel.NOTHING,
    ...(deps.log ? { logCreator: kafkaLogs(deps.log) } : {}),
    connectionTimeout: 3000,
    // Bounded: an unreachable cluster fails the start within seconds instead of retrying for minutes.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
  });
  let producing: Promise<Producer> | undefined;
  let administering: Promise<Admin> | undefined;
  const created = new Set<string>();
  const consumers = new Set<() => Promise<void>>();
  const track = (stop: () => Promise<void>) => {
    consumers.add(stop);
    return () => consumers.delete(stop);
  };
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
  /** Tries at making topics when Kafka answers with a retriable error (about 4.5 s in all). */
  const PREPARE_ATTEMPTS = 10;
  const prepare = async (channels: readonly string[]) => {
    const topics = [...new Set(channels.flatMap((c) => (c.endsWith('.dlq') ? [c] : [c, deadLetterChannel(c)])))].filter((t) => !created.has(t));
    if (topics.length === 0) return;
    // A fresh topic's metadata reaches the broker's cache a moment after it is created, and
    // kafkajs's wait for leaders can meet "does not host this topic-partition" meanwhile (more
    // so while other topics are being made): a retriable error, so try again, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      try {
        await (await admin()).createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
        break;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= PREPARE_ATTEMPTS) throw error;
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 100 * attempt));
      }
    }
    for (const t of topics) created.add(t);
  };

  const close = () =>
    (closing ??= (async () => {
      // Consumers first: their last commits go out before anything else closes.
      await Promise.all([...consumers].map((stop) => stop()));
      consumers.clear();
      await Promise.all([
        producing?.then((p) => p.disconnect()).catch(() => undefined),
        administering?.then((a) => a.disconnect()).catch(() => undefined),
      ]);
    })());

  return {
    consume: (consumeOptions) =>
      consumeTopics(
        { kafka, producer, prepare, deadLetterTopic: deadLetterChannel, clock, track, ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}), ...(deps.log ? { log: deps.log } : {}) },
        consumeOptions,
      ),
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
