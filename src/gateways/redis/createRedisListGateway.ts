import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { OutboundMessage } from '../../streams/source.js';
import { consumeLists } from './consumeLists.js';
import { quitRedis } from './quitRedis.js';
import { encodeListEntry } from './redisListEntry.js';
import { resolveRedisListOptions, type RedisListOptions } from './redisListOptions.js';
import { within } from '../../domain/within.js';

export { RedisListOptionsError, type RedisListOptions } from './redisListOptions.js';

export type RedisListGateway = BrokerGateway;

/**
 * Redis lists as a reliable queue, for producers that `LPUSH` (the Go original does
 * `LPUSH queue:order.created <json>`). A channel is the list `keyPrefix + channel`; `publish` is
 * `LPUSH` of an Orderly entry (`redisListEntry.ts`: body, headers and key in a small wrapper),
 * resolved on Redis' reply; an entry anyone else pushed is delivered as a bare body without
 * headers. Dead letters go to the list of `<channel>:dlq`. Every consumer competes for every
 * entry: there are no groups, so a `group` is accepted and ignored. See `consumeLists` for
 * credit, settling and how the entries of a consumer that went away come back.
 */
export function createRedisListGateway(options: RedisListOptions = {}, deps: { clock?: Clock } = {}): RedisListGateway {
  const resolved = resolveRedisListOptions(options);
  const { keyPrefix, closeTimeoutMs } = resolved;
  const clock = deps.clock ?? systemClock;
  // Lazy: nothing connects before it is used, and a gateway that was never used closes at once.
  const redis = new Redis(resolved.url, { lazyConnect: true, maxRetriesPerRequest: 2, connectionName: 'orderly:redis-list', enableAutoPipelining: true });
  redis.on('error', () => undefined); // commands fail with the error, and ioredis reconnects
  const blockingConnections = new Set<Redis>();
  const consumers = new Set<() => Promise<void>>();
  let closing: Promise<void> | undefined;

  const deadLetterChannel = (channel: string) => `${channel}:dlq`;
  const publish = async (channel: string, message: OutboundMessage) => {
    await redis.lpush(keyPrefix + channel, encodeListEntry(message));
  };
  const blockingConnection = () => {
    // No reconnect and no resend: a BLMOVE resent after a lost reply could take a second entry
    // while the first sits unseen in the processing list. The subscription fails instead.
    const connection = redis.duplicate({ retryStrategy: () => null, connectionName: 'orderly:redis-list-blocking', enableAutoPipelining: false });
    connection.on('error', () => undefined); // reported through the failed move instead
    connection.on('end', () => blockingConnections.delete(connection));
    blockingConnections.add(connection);
    return connection;
  };
  const track = (stop: () => Promise<void>) => {
    consumers.add(stop);
    return () => void consumers.delete(stop);
  };

  const close = () =>
    (closing ??= (async () => {
      // Consumers first: they put their unsettled entries back over the shared connection.
      await within(clock, Promise.all([...consumers].map((stop) => stop())), closeTimeoutMs);
      for (const connection of blockingConnections) connection.disconnect();
      blockingConnections.clear();
      await quitRedis(redis, clock, closeTimeoutMs);
    })());

  return {
    consume: (consumeOptions) =>
      consumeLists(
        { redis, blockingConnection, clock, options: resolved, deadLetterChannel, gatewayClosed: () => closing !== undefined, track },
        consumeOptions,
      ),
    publish,
    deadLetterChannel,
    // A list appears with its first entry, and an entry waits in it for whoever comes: there is
    // nothing to make beforehand.
    prepare: async () => undefined,
    close,
    [Symbol.asyncDispose]: close,
  };
}
