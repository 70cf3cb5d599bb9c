import type { Config } from '../config.js';
import type { MetricsOptions } from './createMetrics.js';

/** The metrics options Orderly's configuration implies: its sources, credit and channels, and the Kafka lag when Kafka is a source. */
export function metricsOptionsFor(config: Config): MetricsOptions {
  const prefix = config.ORDERLY_CHANNEL_PREFIX ?? '';
  const channels = config.ORDERLY_CHANNELS.map((channel) => prefix + channel);
  return {
    sources: config.ORDERLY_SOURCES,
    credit: config.ORDERLY_CREDIT,
    channels,
    ...(config.ORDERLY_SOURCES.includes('kafka') ? { kafkaLag: { group: config.ORDERLY_CONSUMER_GROUP, topics: channels, brokers: config.KAFKA_BROKERS } } : {}),
  };
}
