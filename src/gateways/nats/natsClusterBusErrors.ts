const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** An option the NATS cluster bus cannot use, caught before any connection is made; the message names it. */
export class NatsClusterBusOptionsError extends Error {
  override readonly name = 'NatsClusterBusOptionsError';
}

/** `close()` was called: the bus publishes nothing more. */
export class NatsClusterBusClosedError extends Error {
  override readonly name = 'NatsClusterBusClosedError';
  constructor() {
    super('nats cluster bus is closed');
  }
}

/** A message whose JSON is larger than `maxMessageBytes`; nothing was published. */
export class NatsClusterBusMessageTooLargeError extends Error {
  override readonly name = 'NatsClusterBusMessageTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`nats cluster bus: message is ${bytes} bytes as JSON, more than the ${maxBytes} bytes allowed (maxMessageBytes)`);
  }
}

/** A message that is not a hub message (topics not strings, event not JSON-serialisable); nothing was published. */
export class NatsClusterBusInvalidMessageError extends Error {
  override readonly name = 'NatsClusterBusInvalidMessageError';
  constructor(problem: string, options?: { cause: unknown }) {
    super(`nats cluster bus: ${problem}`, options);
  }
}

/** JetStream did not confirm the message (no server, timeout, refused); it may or may not be on the bus. */
export class NatsClusterBusPublishError extends Error {
  override readonly name = 'NatsClusterBusPublishError';
  constructor(options: { cause: unknown }) {
    super(`nats cluster bus: publish failed: ${reason(options.cause)}`, options);
  }
}

/** No server answered the first connect, or JetStream is not enabled on it. */
export class NatsClusterBusUnreachableError extends Error {
  override readonly name = 'NatsClusterBusUnreachableError';
  constructor(
    readonly servers: readonly string[],
    options: { cause: unknown },
  ) {
    super(`nats cluster bus: JetStream at ${servers.join(',')} is unreachable: ${reason(options.cause)}`, options);
  }
}

/** The sequencer stream exists but does not capture the bus subject (made by someone else, differently). */
export class NatsClusterBusStreamError extends Error {
  override readonly name = 'NatsClusterBusStreamError';
  constructor(message: string, options?: { cause: unknown }) {
    super(`nats cluster bus: ${message}`, options);
  }
}

/** The connection closed without the bus closing it (e.g. the server refused the credentials): `messages$` errors with it. */
export class NatsClusterBusConnectionLostError extends Error {
  override readonly name = 'NatsClusterBusConnectionLostError';
  constructor(options: { cause: unknown }) {
    super('nats cluster bus: connection closed for good', options);
  }
}
