import type { SourceName } from '../../src/app/config.js';
import { testAuthEnv } from './auth.js';

/**
 * The environment of a spawned Orderly that owns its corner of the shared brokers and Redis for
 * one run: channels under `<run>.`, Redis keys under `<run>:`, its own group and JetStream
 * stream, the Redis store, the test secret. Tests add what their run is about.
 */
export function runEnv(run: string, source: SourceName) {
  const prefix = `${run}.`;
  const keyPrefix = `${run}:`;
  const env = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    ORDERLY_SOURCES: source,
    ORDERLY_STORE: 'redis',
    ORDERLY_REDIS_KEY_PREFIX: keyPrefix,
    ORDERLY_CHANNEL_PREFIX: prefix,
    ORDERLY_CONSUMER_GROUP: run,
    ORDERLY_NATS_STREAM: run.replace(/[^A-Za-z0-9_-]/g, '_'),
    ...testAuthEnv,
  };
  return { prefix, keyPrefix, env };
}
