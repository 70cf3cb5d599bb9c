import type { DeadLetterCode } from './delivery.js';

/**
 * Thrown by business code for a failure that retrying cannot fix: the delivery is dead-lettered
 * with `code` at once. Anything else thrown is transient and retried with backoff.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly code: DeadLetterCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a `PermanentError` (by `instanceof`, never by text). */
export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/**
 * Thrown when a bounded buffer downstream is full (the store's outbox, say): nothing is wrong
 * with the message, it only has to wait. Retried with backoff for as long as it lasts, without
 * using up the message's attempts, so a valid message is never dead-lettered for someone else's
 * backlog; meanwhile its credit stays out and the broker keeps what follows. Shutdown still ends
 * the wait (the message stays unsettled and comes back).
 */
export class BackpressureError extends Error {
  override readonly name: string = 'BackpressureError';
}

/** True for a `BackpressureError` or a subclass (by `instanceof`). */
export function isBackpressure(error: unknown): error is BackpressureError {
  return error instanceof BackpressureError;
}

/** A streams operator was given an invalid or conflicting option; `field` names it. */
export class InvalidStreamConfigError extends Error {
  override readonly name: string = 'InvalidStreamConfigError';
  constructor(
    /** The option at fault, e.g. `maxConcurrent`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** `RetryConfig` is invalid; `field` names the option. */
export class InvalidRetryConfigError extends InvalidStreamConfigError {
  override readonly name = 'InvalidRetryConfigError';
}

/** `RunByKeyConfig` is invalid; `field` names the option. */
export class InvalidRunByKeyConfigError extends InvalidStreamConfigError {
  override readonly name = 'InvalidRunByKeyConfigError';
}

/** `SettleConfig` is invalid; `field` names the option. */
export class InvalidSettleConfigError extends InvalidStreamConfigError {
  override readonly name = 'InvalidSettleConfigError';
}
