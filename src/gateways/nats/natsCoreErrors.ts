/** No server of `servers` answered when the gateway first connected. */
export class NatsCoreUnreachableError extends Error {
  override readonly name = 'NatsCoreUnreachableError';
  constructor(
    readonly servers: readonly string[],
    options: { cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`core NATS at ${servers.join(',')} is unreachable: ${why}`, options);
  }
}

/** The server did not confirm a flush (a publish, or a subscription being in place) in time. */
export class NatsCoreFlushTimeoutError extends Error {
  override readonly name = 'NatsCoreFlushTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`core NATS server did not confirm within ${timeoutMs} ms`);
  }
}

/** The gateway was closed: it neither publishes nor consumes any more. */
export class NatsCoreClosedError extends Error {
  override readonly name = 'NatsCoreClosedError';
  constructor() {
    super('core NATS gateway is closed');
  }
}

/** The connection ended without the gateway closing it (e.g. the server refused the credentials). */
export class NatsCoreConnectionLostError extends Error {
  override readonly name = 'NatsCoreConnectionLostError';
  constructor(options: { cause: unknown }) {
    super('core NATS connection closed for good', options);
  }
}

/** `consume` options the gateway cannot honour; the message lists every problem. */
export class InvalidNatsCoreConsumeError extends Error {
  override readonly name = 'InvalidNatsCoreConsumeError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid consume options: ${problems.join('; ')}`);
  }
}
