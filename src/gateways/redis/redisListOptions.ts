export interface RedisListOptions {
  /** @default 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /** Put before every channel name to make its list key. @default 'queue:' (channel `order.created` is list `queue:order.created`) */
  readonly keyPrefix?: string;
  /**
   * A consumer whose liveness key has not been refreshed for this long is taken for gone, and
   * its unsettled entries go back to their lists. Live consumers refresh every third of it.
   * @default 30_000
   */
  readonly staleAfterMs?: number;
  /** How often each consumer looks for gone consumers of its channels. @default staleAfterMs / 2 */
  readonly janitorIntervalMs?: number;
  /**
   * Longest one `BLMOVE` waits on an empty list. A consumer of several channels blocks on one
   * at a time, so this is also how late a message on another one may be seen. @default 500
   */
  readonly blockMs?: number;
  /** Most registry members and most entries of one processing list a janitor handles per run. @default 100 */
  readonly janitorBatch?: number;
  /** Longest `close()` waits for consumers to hand their entries back before it drops the connections. @default 5_000 */
  readonly closeTimeoutMs?: number;
}

export interface ResolvedRedisListOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly staleAfterMs: number;
  readonly janitorIntervalMs: number;
  readonly blockMs: number;
  readonly janitorBatch: number;
  readonly closeTimeoutMs: number;
}

/** An option (or consume option) the list gateway cannot use; the message names it. */
export class RedisListOptionsError extends Error {
  override readonly name = 'RedisListOptionsError';
}

const MAX_MS = 2 ** 31 - 1; // what a timer can hold

function milliseconds(name: string, value: number, min: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= min && value <= MAX_MS)) {
    throw new RedisListOptionsError(`${name} must be a number of milliseconds from ${min} to ${MAX_MS}, got ${value}`);
  }
  return value;
}

/** Defaults filled in and every field checked, in one place. */
export function resolveRedisListOptions(options: RedisListOptions = {}): ResolvedRedisListOptions {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) throw new RedisListOptionsError(`url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  const keyPrefix = options.keyPrefix ?? 'queue:';
  if (typeof keyPrefix !== 'string') throw new RedisListOptionsError(`keyPrefix must be a string, got ${typeof keyPrefix}`);
  // Below 30 ms a heartbeat every third of it would be a busy loop against Redis.
  const staleAfterMs = milliseconds('staleAfterMs', options.staleAfterMs ?? 30_000, 30);
  const janitorIntervalMs = milliseconds('janitorIntervalMs', options.janitorIntervalMs ?? staleAfterMs / 2, 10);
  // Redis takes the BLMOVE timeout in seconds with decimals; 0 would mean "forever".
  const blockMs = milliseconds('blockMs', options.blockMs ?? 500, 10);
  const janitorBatch = options.janitorBatch ?? 100;
  if (!(Number.isSafeInteger(janitorBatch) && janitorBatch >= 1 && janitorBatch <= 10_000)) {
    throw new RedisListOptionsError(`janitorBatch must be an integer from 1 to 10000, got ${janitorBatch}`);
  }
  const closeTimeoutMs = milliseconds('closeTimeoutMs', options.closeTimeoutMs ?? 5_000, 1);
  return { url, keyPrefix, staleAfterMs, janitorIntervalMs, blockMs, janitorBatch, closeTimeoutMs };
}
