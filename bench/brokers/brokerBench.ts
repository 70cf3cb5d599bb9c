import type { RunNames } from './runNames.js';
import type { Meter } from './meter.js';

export const BENCH_BROKERS = ['kafka', 'rabbitmq', 'nats', 'redis'] as const;
export type BenchBroker = (typeof BENCH_BROKERS)[number];

/** Where the brokers are: the same settings (and defaults) Orderly reads. */
export interface BrokerUrls {
  readonly kafkaBrokers: readonly string[];
  readonly amqpUrl: string;
  readonly natsServers: readonly string[];
  readonly redisUrl: string;
}

/** A consumer the benchmark started. Every method is awaited with a deadline by the caller. */
export interface RunningConsumer {
  /**
   * Resolves once the broker has processed every ack sent so far (one round trip). Clients
   * whose ack is fire-and-forget need it; the measuring window closes after it.
   */
  flush(): Promise<void>;
  /** Stops consuming and closes the consumer's connections. */
  stop(): Promise<void>;
}

/**
 * One broker's part of the benchmark, all with its own client library: publishing the Go
 * producers' events, the two baseline consumers, and removing what a run made. A consumer
 * calls `meter.received()` for every message it gets and `meter.acked.tick(n)` once `n`
 * messages are acked (or handed to the client's ack, settled by `flush`).
 */
export interface BrokerBench {
  readonly name: BenchBroker;
  /** Makes the run's channels as Orderly would, and publishes `orders` orders (two events each). */
  publish(names: RunNames, orders: number): Promise<void>;
  /** The raw client, a no-op handler, acking as a competent user would: `window` is its prefetch/batch size. */
  raw(names: RunNames, meter: Meter, window: number): Promise<RunningConsumer>;
  /** The plain per-message loop of the client's README: one message at a time, its handler awaiting `handlerMs`. */
  sequential(names: RunNames, meter: Meter, handlerMs: number): Promise<RunningConsumer>;
  /** Deletes every channel, group and consumer named after the run, whoever made them (Orderly too). Idempotent. */
  cleanup(names: RunNames): Promise<void>;
}
