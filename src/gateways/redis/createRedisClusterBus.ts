import { Redis } from 'ioredis';
import { Subject, defer, type Observable } from 'rxjs';
import type { ClusterBus } from '../../actors/hub/clusterBus.js';
import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { LogPort } from '../../streams/logPort.js';
import { decodeFrame, encodeHubMessage } from './redisClusterBusCodec.js';
import { RedisClusterBusClosedError, RedisClusterBusPublishError, RedisClusterBusUnreachableError } from './redisClusterBusErrors.js';
import { resolveRedisClusterBusOptions, type RedisClusterBusOptions } from './redisClusterBusOptions.js';
import { SEQUENCE_AND_PUBLISH } from './redisClusterBusScript.js';
import { quitRedis } from './quitRedis.js';
import { runScript } from './runScript.js';

export interface RedisClusterBus extends ClusterBus, AsyncDisposable {
  /**
   * Resolves once this instance's subscription is in place: from then on it receives every
   * message published on the bus. Rejects with `RedisClusterBusUnreachableError` after
   * `connectTimeoutMs`, while the bus goes on trying in the background. Also starts the subscription.
   */
  ready(): Promise<void>;
  /** Frames received that were not this bus's or came out of sequence, dropped (a foreign publisher on the channel). */
  dropped(): number;
}

/**
 * The cluster bus over Redis pub/sub with a sequencer. `publish` runs one Lua script that takes
 * the next number from a counter key and PUBLISHes `<seq> <json>` on the channel; Redis runs
 * scripts one at a time, so every subscriber receives the frames in the order of their numbers
 * (see `SEQUENCE_AND_PUBLISH`). Each instance reads on a connection of its own (a connection in
 * subscribe mode can send nothing else).
 *
 * AT-MOST-ONCE: pub/sub keeps nothing. While the subscriber is disconnected (a Redis restart, a
 * network cut, Redis cutting off a subscriber past its `client-output-buffer-limit pubsub`)
 * whatever is published is missed; ioredis reconnects without end and subscribes again, and
 * the instance goes on from the next frame. The jump in `seq` is what the hub's resume (history,
 * or snapshot when history does not reach back) is there for. `messages$` therefore never errors.
 *
 * Bounded: frames are handed to `messages$` synchronously as ioredis parses them; the bus holds
 * none. A subscriber that cannot keep up is Redis' to cut off (its output buffer limit).
 */
export function createRedisClusterBus(options: RedisClusterBusOptions = {}, deps: { clock?: Clock; log?: LogPort } = {}): RedisClusterBus {
  const config = resolveRedisClusterBusOptions(options);
  const clock = deps.clock ?? systemClock;
  const { log } = deps;
  const channel = `${config.keyPrefix}hub:bus`;
  const sequenceKey = `${channel}:seq`;
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, config.reconnectMaxWaitMs);

  // Lazy, both: nothing connects before it is used, and a bus never used closes at once.
  const publisher = new Redis(config.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    commandTimeout: config.commandTimeoutMs,
    enableAutoPipelining: true, // keeps one instance's publishes in call order, with fewer round trips
    connectionName: 'orderly:hub-bus-publish',
    retryStrategy,
  });
  publisher.on('error', () => undefined); // each publish rejects with the error; ioredis reconnects
  const subscriber = new Redis(config.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null, // SUBSCRIBE waits for the connection, however long it takes
    autoResubscribe: true,
    connectionName: 'orderly:hub-bus-subscribe',
    retryStrategy,
  });
  subscriber.on('error', () => undefined); // reconnects; what is missed meanwhile is missed (see above)
  subscriber.on('reconnecting', () => log?.warn({ bus: 'redis', channel }, 'cluster bus subscriber lost Redis; reconnecting (messages published meanwhile are missed)'));

  const messages = new Subject<SequencedHubMessage>();
  let lastSeq = 0;
  let dropped = 0;
  let subscribing: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  subscriber.on('message', (from: string, frame: string) => {
    if (closing || from !== channel) return;
    const message = decodeFrame(frame);
    if (message === undefined || message.seq <= lastSeq) {
      dropped++;
      log?.warn({ bus: 'redis', channel, lastSeq, seq: message?.seq }, 'cluster bus dropped a frame that is not its own or is out of sequence');
      return;
    }
    lastSeq = message.seq;
    messages.next(message);
  });

  const subscribe = () => {
    const attempt = (subscribing ??= subscriber.subscribe(channel).then(() => undefined));
    attempt.catch(() => {
      if (subscribing === attempt) subscribing = undefined; // the next caller tries again
    });
    return attempt;
  };

  const ready = async () => {
    if (closing) throw new RedisClusterBusClosedError();
    let timer: unknown;
    const expired = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new RedisClusterBusUnreachableError(config.url.replace(/\/\/[^@/]*@/, '//***@'), config.connectTimeoutMs)), config.connectTimeoutMs);
    });
    try {
      await Promise.race([subscribe(), expired]);
    } finally {
      clock.clearTimeout(timer);
    }
  };

  const publish = async (message: HubMessage): Promise<number> => {
    if (closing) throw new RedisClusterBusClosedError();
    const json = encodeHubMessage(message, config.maxMessageBytes);
    try {
      return Number(await runScript(publisher, SEQUENCE_AND_PUBLISH, [sequenceKey], [channel, json]));
    } catch (cause) {
      throw new RedisClusterBusPublishError({ cause });
    }
  };

  const close = () =>
    (closing ??= (async () => {
      messages.complete();
      // Redis answers the publishes asked for before the close first; a connection that is not up has nothing to finish.
      await Promise.all([quitRedis(publisher, clock, config.closeTimeoutMs), quitRedis(subscriber, clock, config.closeTimeoutMs)]);
    })());

  return {
    publish,
    // Hot: subscribing starts the Redis subscription if nothing did yet; `ready()` says when it is in place.
    messages$: defer((): Observable<SequencedHubMessage> => {
      if (!closing) subscribe().catch(() => undefined);
      return messages;
    }),
    ready,
    dropped: () => dropped,
    close,
    [Symbol.asyncDispose]: close,
  };
}
