/**
 * The in-memory broker's errors. Callers branch on `instanceof`, never on the text; each carries
 * the fields needed to act on it, and `cause` when another error led to it.
 */

/** Which configured bound refused the operation. */
export type MemoryBrokerLimit = 'maxChannelDepth' | 'maxChannels' | 'maxGroupsPerChannel' | 'maxConsumersPerGroup';

/**
 * A bound was reached: nothing was accepted and nothing changed. For `maxChannelDepth` this is
 * backpressure towards the producer: publish again once consumers have acked.
 */
export class BrokerFullError extends Error {
  override readonly name = 'BrokerFullError';
  constructor(
    readonly limit: MemoryBrokerLimit,
    readonly bound: number,
    readonly channel: string,
    readonly group?: string,
    options?: ErrorOptions,
  ) {
    const where = group === undefined ? `channel '${channel}'` : `channel '${channel}', group '${group}'`;
    super(`memory broker full: ${limit} (${bound}) reached on ${where}`, options);
  }
}

/** `publish` or `consume` after `close()`. */
export class BrokerClosedError extends Error {
  override readonly name = 'BrokerClosedError';
  constructor(options?: ErrorOptions) {
    super('memory broker is closed', options);
  }
}

/** `createMemoryBroker` was given options it cannot honour; `problems` lists every one of them. */
export class InvalidMemoryBrokerOptionsError extends Error {
  override readonly name = 'InvalidMemoryBrokerOptionsError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid memory broker options: ${problems.join('; ')}`, options);
  }
}

/** `consume` was given options it cannot honour; the Observable errors with this on subscribe. */
export class InvalidConsumeOptionsError extends Error {
  override readonly name = 'InvalidConsumeOptionsError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid consume options: ${problems.join('; ')}`, options);
  }
}

/** `publish` was given an empty channel name or a malformed message; nothing was accepted. */
export class InvalidPublishError extends Error {
  override readonly name = 'InvalidPublishError';
  constructor(
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`invalid publish: ${problem}`, options);
  }
}

/**
 * A settlement on a delivery the broker had already taken back, because its consumer
 * unsubscribed or the broker closed. The message was returned to its group queue (attempt + 1)
 * and will be, or has been, delivered again; this settlement had no effect at the broker.
 */
export class DeliveryRevokedError extends Error {
  override readonly name = 'DeliveryRevokedError';
  constructor(
    readonly attempted: 'ack' | 'retry' | 'deadLetter',
    readonly channel: string,
    readonly offset: number,
    options?: ErrorOptions,
  ) {
    super(`${attempted} refused: delivery ${channel}@${offset} was revoked and returned to its queue`, options);
  }
}

/** `retry(delayMs)` with a negative or non-finite delay. The message went back to the head of its queue at once. */
export class InvalidRetryDelayError extends Error {
  override readonly name = 'InvalidRetryDelayError';
  constructor(
    readonly delayMs: number,
    options?: ErrorOptions,
  ) {
    super(`retry delay must be a finite number >= 0, got ${String(delayMs)}`, options);
  }
}

/**
 * `deadLetter` could not park the message (its dead-letter channel is full, or no channel may be
 * created). The original was NOT forgotten: it went back to the head of its queue (attempt + 1).
 */
export class DeadLetterFailedError extends Error {
  override readonly name = 'DeadLetterFailedError';
  constructor(
    readonly channel: string,
    readonly offset: number,
    readonly deadLetterChannel: string,
    options?: ErrorOptions,
  ) {
    super(`could not dead-letter ${channel}@${offset} to '${deadLetterChannel}'; returned to its queue`, options);
  }
}
