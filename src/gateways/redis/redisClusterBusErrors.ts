const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** An option the Redis cluster bus cannot use, caught before any connection is made; the message names it. */
export class RedisClusterBusOptionsError extends Error {
  override readonly name = 'RedisClusterBusOptionsError';
}

/** `close()` was called: the bus publishes nothing more. */
export class RedisClusterBusClosedError extends Error {
  override readonly name = 'RedisClusterBusClosedError';
  constructor() {
    super('redis cluster bus is closed');
  }
}

/** A message whose JSON is larger than `maxMessageBytes`; nothing was published. */
export class RedisClusterBusMessageTooLargeError extends Error {
  override readonly name = 'RedisClusterBusMessageTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`redis cluster bus: message is ${bytes} bytes as JSON, more than the ${maxBytes} bytes allowed (maxMessageBytes)`);
  }
}

/** A message that is not a hub message (topics not strings, event not JSON-serialisable); nothing was published. */
export class RedisClusterBusInvalidMessageError extends Error {
  override readonly name = 'RedisClusterBusInvalidMessageError';
  constructor(problem: string, options?: { cause: unknown }) {
    super(`redis cluster bus: ${problem}`, options);
  }
}

/** Redis did not take the message (connection lost, command timed out); it may or may not have been published. */
export class RedisClusterBusPublishError extends Error {
  override readonly name = 'RedisClusterBusPublishError';
  constructor(options: { cause: unknown }) {
    super(`redis cluster bus: publish failed: ${reason(options.cause)}`, options);
  }
}

/** The subscription was not in place within `connectTimeoutMs`; the bus keeps trying in the background. */
export class RedisClusterBusUnreachableError extends Error {
  override readonly name = 'RedisClusterBusUnreachableError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`redis cluster bus: no subscription at ${url} within ${timeoutMs} ms`);
  }
}
