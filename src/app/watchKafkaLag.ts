import type { Clock, TimerHandle } from '../domain/clock.js';
import type { Config } from './config.js';
import { kafkaLagReader } from './metrics/kafkaLag.js';

/** How often readiness's view of the lag is refreshed. */
const EVERY_MS = 5_000;

export interface KafkaLagWatch {
  /** The consumer group's lag summed over its partitions at the last good read; undefined before one. */
  readonly total: number | undefined;
  close(): Promise<void>;
}

/**
 * The consumer group's Kafka lag, read every few seconds in the background so that `/readyz`
 * answers at once from the last read (a read is bounded in time and never rejects).
 */
export function watchKafkaLag(config: Config, clock: Clock): KafkaLagWatch {
  const prefix = config.ORDERLY_CHANNEL_PREFIX ?? '';
  const reader = kafkaLagReader({ group: config.ORDERLY_CONSUMER_GROUP, topics: config.ORDERLY_CHANNELS.map((c) => prefix + c), brokers: config.KAFKA_BROKERS }, clock);
  let total: number | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;
  const tick = () => {
    void reader.read().then((lags) => {
      if (lags) total = lags.reduce((sum, p) => sum + p.lag, 0);
      if (!closed) timer = clock.setTimeout(tick, EVERY_MS);
    });
  };
  tick();
  return {
    get total() {
      return total;
    },
    close: async () => {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await reader.close();
    },
  };
}
