import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import { consumeStreams } from './consumeStreams.js';
import { toStreamFields } from './redisStreamMessage.js';

export interface RedisStreamsOptions {
  /** @default 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /** Entries a gone consumer left pending are claimed after this idle time; longer than the slowest handler. @default 30_000 */
  readonly claimIdleMs?: number;
}

export type RedisStreamsGateway = BrokerGateway;

/**
 * The Redis Streams gateway: channels are streams, groups are consumer groups, `publish` is
 * `XADD` (resolved on Redis' reply), settlement is `XACK`, dead letters go to `<stream>:dlq`.
 * Entries are never trimmed here, so nothing still pending can disappear.
 */
export function createRedisStreamsGateway(options: RedisStreamsOptions = {}, deps: { clock?: Clock } = {}): RedisStreamsGateway {
  const clock = deps.clock ?? systemClock;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined); // commands fail with the error; ioredis reconnects
  const deadLetterChannel = (stream: string) => `${stream}:dlq`;
  let closing: Promise<void> | undefined;
  const publish = async (stream: string, message: Parameters<BrokerGateway['publish']>[1]) => {
    await redis.xadd(stream, '*', ...toStreamFields(message));
  };
  const close = () => (closing ??= redis.quit().then(() => undefined, () => redis.disconnect()));
  return {
    consume: (consumeOptions) => consumeStreams({ redis, clock, claimIdleMs, publish, deadLetterStream: deadLetterChannel }, consumeOptions),
    publish,
    deadLetterChannel,
    // Streams appear with their first entry, and a group created later still reads from the start.
    prepare: async () => undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
}
