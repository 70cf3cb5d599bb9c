import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { OutboundMessage } from '../../streams/source.js';
import { consumeStreams } from './consumeStreams.js';
import { quitRedis } from './quitRedis.js';
import { toStreamFields } from './redisStreamMessage.js';

export interface RedisStreamsOptions {
  /** @default 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /** Put before every channel name to make its stream key. @default '' (the stream key is the channel, e.g. `order.created`) */
  readonly keyPrefix?: string;
  /**
   * An entry pending this long without its consumer showing life is taken over by another
   * member of the group. Live members refresh theirs every half of it. A positive number.
   * @default 30_000
   */
  readonly claimIdleMs?: number;
  /**
   * How long a consumer keeps trying to read again after losing Redis (a restart, a network cut)
   * before its subscription fails, so that whoever subscribed sees the source down. It reconnects
   * with backoff meanwhile and says `onReady` again once it reads. A positive number.
   * @default 60_000
   */
  readonly recoverWithinMs?: number;
  /** How long `close` waits for Redis to answer what was asked for before it, then drops the connection. A positive number. @default 5_000 */
  readonly closeTimeoutMs?: number;
}

/** Options that make no sense, caught when the gateway is created. */
export class RedisStreamsOptionsError extends Error {
  override readonly name = 'RedisStreamsOptionsError';
}

export type RedisStreamsGateway = BrokerGateway;

/**
 * The Redis Streams gateway: a channel is a stream (`keyPrefix + channel`), a group is a consumer
 * group, credit is `XREADGROUP COUNT`, `publish` is `XADD` (resolved on Redis' reply), an ack is
 * `XACK`, and a dead letter is added to `<channel>:dlq` before the original is acked. Entries are
 * never trimmed here, so nothing still pending can disappear. See `consumeStreams` for retries and
 * for how the entries of a consumer that went away come back.
 */
export function createRedisStreamsGateway(options: RedisStreamsOptions = {}, deps: { clock?: Clock } = {}): RedisStreamsGateway {
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  if (!(claimIdleMs > 0 && Number.isFinite(claimIdleMs))) throw new RedisStreamsOptionsError(`claimIdleMs must be a positive number, got ${claimIdleMs}`);
  const recoverWithinMs = options.recoverWithinMs ?? 60_000;
  if (!(recoverWithinMs > 0)) throw new RedisStreamsOptionsError(`recoverWithinMs must be a positive number, got ${recoverWithinMs}`);
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  if (!(closeTimeoutMs > 0 && Number.isFinite(closeTimeoutMs))) throw new RedisStreamsOptionsError(`closeTimeoutMs must be a positive number, got ${closeTimeoutMs}`);
  const keyPrefix = options.keyPrefix ?? '';
  const clock = deps.clock ?? systemClock;
  // Lazy: nothing connects before it is used, and a gateway that was never used closes at once.
  // Auto-pipelined: the acks, dead letters and publishes of one tick go out in one socket write
  // instead of one write each (a write per ack took about 5 % of Orderly's main thread under a backlog).
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  redis.on('error', () => undefined); // commands fail with the error, and ioredis reconnects
  const blockingConnections = new Set<Redis>();
  let closing: Promise<void> | undefined;

  const deadLetterChannel = (channel: string) => `${channel}:dlq`;
  const publish = async (channel: string, message: OutboundMessage) => {
    await redis.xadd(keyPrefix + channel, '*', ...toStreamFields(message));
  };
  const blockingConnection = () => {
    // Never reconnects by itself: its read fails instead, and the consumer opens a new one.
    // Not auto-pipelined: a command queued behind a blocking read would wait for it to end.
    const connection = redis.duplicate({ retryStrategy: () => null, maxRetriesPerRequest: 0, enableAutoPipelining: false });
    connection.on('error', () => undefined); // reported through the failed read instead
    connection.on('end', () => blockingConnections.delete(connection));
    blockingConnections.add(connection);
    return connection;
  };

  const close = () =>
    (closing ??= (async () => {
      for (const connection of blockingConnections) connection.disconnect();
      blockingConnections.clear();
      // The acks of a draining consumer were asked for just before: they are answered first.
      await quitRedis(redis, clock, closeTimeoutMs);
    })());

  return {
    consume: (consumeOptions) =>
      consumeStreams(
        { redis, blockingConnection, gatewayClosed: () => closing !== undefined, clock, keyPrefix, claimIdleMs, recoverWithinMs, publish, deadLetterChannel },
        consumeOptions,
      ),
    publish,
    deadLetterChannel,
    // A stream appears with its first entry and a group created later still reads it from the
    // start (`XGROUP CREATE ... 0 MKSTREAM` on consume), so there is nothing to make beforehand.
    prepare: async () => undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
}
