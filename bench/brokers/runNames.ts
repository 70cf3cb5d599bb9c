import type { BenchEventType } from './goEvents.js';

/**
 * Every name one measurement uses on the shared brokers, derived from its run id, so that the
 * process that made them and the parent that cleans up after a killed child agree on them.
 */
export interface RunNames {
  readonly runId: string;
  /** Put before each channel: Kafka topics, RabbitMQ queues and routing keys, NATS subjects, Redis streams. */
  readonly channelPrefix: string;
  /** Consumer group (Kafka), durable consumer base (NATS), group (Redis). */
  readonly group: string;
  /** The JetStream stream of this run (letters, digits, - and _ only). */
  readonly natsStream: string;
  /** Orderly's Redis store keys of this run. */
  readonly storeKeyPrefix: string;
  channel(type: BenchEventType): string;
}

export function runNames(runId: string): RunNames {
  if (!/^[a-z0-9-]+$/.test(runId)) throw new Error(`run id must be lower-case letters, digits and -, got ${runId}`);
  const channelPrefix = `${runId}.`;
  return {
    runId,
    channelPrefix,
    group: runId,
    natsStream: runId.replace(/[^A-Za-z0-9_-]/g, '_'),
    storeKeyPrefix: `${runId}:`,
    channel: (type) => channelPrefix + type,
  };
}
