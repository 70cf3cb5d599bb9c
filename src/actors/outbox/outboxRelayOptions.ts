import { systemClock, type Clock } from '../../domain/clock.js';
import { encodeStructured } from '../../domain/encodeEnvelope.js';
import type { OutboundMessage, Sink } from '../../streams/source.js';
import type { OutboxEntry } from './outboxEntry.js';
import type { OutboxRelayError } from './outboxRelayErrors.js';
import type { OutboxStore } from './outboxStore.js';

export interface OutboxRelayOptions {
  /** Where the entries wait: the order store that wrote them. */
  readonly store: OutboxStore;
  /** Where they go; `publish` resolves once the broker has the message. */
  readonly sink: Sink;
  /** Channel every entry is published to (Orderly: `<prefix>order.status`). */
  readonly channel: string;
  /** Most entries read (and published) in one pass. @default 1000 */
  readonly batchSize?: number;
  /**
   * How long the relay sleeps when it found nothing and nobody wakes it: the delay before it
   * finds entries a crashed process left behind or another instance wrote. Saves in this
   * process wake it at once (`wake()`). @default 1_000
   */
  readonly pollMs?: number;
  /** Delay after the first failed pass; it doubles with every further consecutive failure. @default 100 */
  readonly retryBaseMs?: number;
  /** Longest delay between failed passes. @default 10_000 */
  readonly retryMaxMs?: number;
  /**
   * Consecutive failed passes after which the relay stops and calls `onFailure`, for a
   * supervisor to restart it or escalate. @default Infinity (retry for ever, with backoff)
   */
  readonly maxFailures?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How an entry becomes a message. @default encodeStructured (a structured-mode CloudEvent) */
  readonly encode?: (entry: OutboxEntry) => OutboundMessage;
  /** Told about every failed pass (to log it); the relay tries again after `retryInMs`. A throwing listener is ignored. */
  readonly onError?: (error: OutboxRelayError, info: { readonly failures: number; readonly retryInMs: number }) => void;
  /** Told once when the relay gives up after `maxFailures` consecutive failed passes; it has stopped by then. */
  readonly onFailure?: (error: OutboxRelayError) => void;
}

export type ResolvedOutboxRelayOptions = Required<Omit<OutboxRelayOptions, 'onError' | 'onFailure'>> & Pick<OutboxRelayOptions, 'onError' | 'onFailure'>;

/** An option the relay cannot use; the message names it. */
export class OutboxRelayOptionsError extends Error {
  override readonly name = 'OutboxRelayOptionsError';
}

const positiveInteger = (name: string, value: number) => {
  if (!Number.isSafeInteger(value) || value < 1) throw new OutboxRelayOptionsError(`${name} must be a positive integer, got ${value}`);
};

/** Defaults filled in and every field checked, in one place. */
export function resolveOutboxRelayOptions(options: OutboxRelayOptions): ResolvedOutboxRelayOptions {
  const resolved = {
    batchSize: 1000,
    pollMs: 1_000,
    retryBaseMs: 100,
    retryMaxMs: 10_000,
    maxFailures: Number.POSITIVE_INFINITY,
    clock: systemClock,
    encode: encodeStructured,
    ...options,
  };
  if (typeof resolved.channel !== 'string' || resolved.channel === '') throw new OutboxRelayOptionsError(`channel must be a non-empty string, got ${JSON.stringify(resolved.channel)}`);
  if (typeof resolved.store?.readOutbox !== 'function') throw new OutboxRelayOptionsError('store must be an OutboxStore');
  if (typeof resolved.sink?.publish !== 'function') throw new OutboxRelayOptionsError('sink must be a Sink');
  positiveInteger('batchSize', resolved.batchSize);
  positiveInteger('pollMs', resolved.pollMs);
  positiveInteger('retryBaseMs', resolved.retryBaseMs);
  positiveInteger('retryMaxMs', resolved.retryMaxMs);
  if (resolved.retryBaseMs > resolved.retryMaxMs) throw new OutboxRelayOptionsError(`retryBaseMs (${resolved.retryBaseMs}) must not exceed retryMaxMs (${resolved.retryMaxMs})`);
  if (resolved.maxFailures !== Number.POSITIVE_INFINITY) positiveInteger('maxFailures', resolved.maxFailures);
  return resolved;
}
