import { RedisClusterBusOptionsError } from './redisClusterBusErrors.js';

/** Settings of `createRedisClusterBus`; every one has a default. */
export interface RedisClusterBusOptions {
  /** @default 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /**
   * Put before the channel (`<keyPrefix>hub:bus`) and the sequence key (`<keyPrefix>hub:bus:seq`).
   * Every instance of one cluster uses the same; a test uses one of its own. @default 'orderly:'
   */
  readonly keyPrefix?: string;
  /** Largest message `publish` accepts, counted as the UTF-8 bytes of its JSON. @default 262_144 */
  readonly maxMessageBytes?: number;
  /** Longest a publish waits for Redis' reply before it rejects. @default 5_000 */
  readonly commandTimeoutMs?: number;
  /** Longest `ready()` waits for the subscription to be in place. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** Reconnect attempts back off up to this wait; the bus reconnects without end. @default 2_000 */
  readonly reconnectMaxWaitMs?: number;
  /** Longest `close()` waits for Redis to answer QUIT before it drops the connections. @default 5_000 */
  readonly closeTimeoutMs?: number;
}

export type ResolvedRedisClusterBusOptions = Required<RedisClusterBusOptions>;

const positive = (value: number, what: string) => {
  if (!(Number.isSafeInteger(value) && value > 0)) throw new RedisClusterBusOptionsError(`${what} must be a positive whole number, got ${String(value)}`);
  return value;
};

/** Defaults filled in and every field checked, in one place. */
export function resolveRedisClusterBusOptions(options: RedisClusterBusOptions = {}): ResolvedRedisClusterBusOptions {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\/./.test(url)) throw new RedisClusterBusOptionsError(`url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  const keyPrefix = options.keyPrefix ?? 'orderly:';
  if (typeof keyPrefix !== 'string') throw new RedisClusterBusOptionsError(`keyPrefix must be a string, got ${typeof keyPrefix}`);
  return {
    url,
    keyPrefix,
    maxMessageBytes: positive(options.maxMessageBytes ?? 262_144, 'maxMessageBytes'),
    commandTimeoutMs: positive(options.commandTimeoutMs ?? 5_000, 'commandTimeoutMs'),
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 5_000, 'connectTimeoutMs'),
    reconnectMaxWaitMs: positive(options.reconnectMaxWaitMs ?? 2_000, 'reconnectMaxWaitMs'),
    closeTimeoutMs: positive(options.closeTimeoutMs ?? 5_000, 'closeTimeoutMs'),
  };
}
