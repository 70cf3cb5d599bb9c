import { systemClock, type Clock } from '../domain/clock.js';
import { SettlementError, type DeadLetterReason, type Delivery } from './delivery.js';
import { InvalidSettleConfigError, isPermanent } from './errors.js';
import type { HandlerOutcome } from './handlerOutcome.js';
import type { RetryResult } from './withRetry.js';

export interface SettleConfig {
  /** Stamps `settledAt` on the record. @default systemClock */
  readonly clock?: Clock;
  /** How long to wait before a broker redelivery when even dead-lettering failed. A non-negative integer. @default 1000 */
  readonly redeliverDelayMs?: number;
}

export type Settlement =
  | { readonly kind: 'ack' }
  | { readonly kind: 'deadLetter'; readonly reason: DeadLetterReason }
  | { readonly kind: 'retry'; readonly delayMs: number };

export interface SettledRecord {
  readonly delivery: Delivery;
  /** The settlement asked of the broker last: the fallback `retry` when a dead letter was refused. */
  readonly settlement: Settlement;
  /** The settlement the broker refused before `settlement` was tried instead, if any. */
  readonly refused?: Settlement;
  /** Processing attempts made (0 when the delivery was handed back unprocessed). */
  readonly attempts: number;
  /** Why settling failed: the broker's error, a `SettlementError`, or an `AggregateError` of both tries. */
  readonly error?: unknown;
  /** Epoch ms on the config's clock when settling finished. */
  readonly settledAt: number;
}

/**
 * The one settlement a processing result calls for:
 * - ok + `done` → ack;
 * - ok + `reject` → dead letter with the handler's code and message;
 * - permanent error → dead letter with the `PermanentError`'s code (`validation` for any other error);
 * - transient error, aborted with attempts left (shutdown) → `retry(0)`: handed back, not parked;
 * - transient error, attempts exhausted → dead letter `max-attempts`.
 */
export function settlementFor(result: RetryResult<HandlerOutcome>): Settlement {
  const { attempts } = result;
  if (result.ok) {
    const outcome = result.value;
    if (outcome.kind === 'done') return { kind: 'ack' };
    return { kind: 'deadLetter', reason: { code: outcome.code, message: outcome.message, attempts } };
  }
  const error = errorText(result.error);
  if (result.permanent) {
    const code = isPermanent(result.error) ? result.error.code : 'validation';
    const message = result.error instanceof Error ? result.error.message : error;
    return { kind: 'deadLetter', reason: { code, message, error, attempts } };
  }
  if (result.aborted) return { kind: 'retry', delayMs: 0 };
  return { kind: 'deadLetter', reason: { code: 'max-attempts', message: `gave up after ${attempts} attempts`, error, attempts } };
}

/**
 * Maps a processing result to the one settlement of the delivery (`settlementFor`) and performs
 * it. Never rejects: a settlement the broker refuses is reported in the returned record's
 * `error`, and the message will be redelivered by the broker (dedup absorbs it). When a dead
 * letter is refused by the broker, `retry(redeliverDelayMs)` is tried so that the broker keeps
 * the message; a `SettlementError` (already settled elsewhere) is recorded and not retried.
 * Throws `InvalidSettleConfigError` synchronously on a bad config.
 */
export function settle(delivery: Delivery, result: RetryResult<HandlerOutcome>, config: SettleConfig = {}): Promise<SettledRecord> {
  const { clock, redeliverDelayMs } = resolveSettleConfig(config);
  const settlement = settlementFor(result);
  const record = (fields: Omit<SettledRecord, 'delivery' | 'attempts' | 'settledAt'>): SettledRecord => ({
    delivery,
    attempts: result.attempts,
    ...fields,
    settledAt: clock.now(),
  });
  return perform(delivery, settlement).then(
    () => record({ settlement }),
    (error: unknown) => {
      if (settlement.kind !== 'deadLetter' || error instanceof SettlementError) return record({ settlement, error });
      const fallback: Settlement = { kind: 'retry', delayMs: redeliverDelayMs };
      return perform(delivery, fallback).then(
        () => record({ settlement: fallback, refused: settlement, error }),
        (retryError: unknown) =>
          record({
            settlement: fallback,
            refused: settlement,
            error: new AggregateError([error, retryError], 'dead letter refused, and so was the fallback retry'),
          }),
      );
    },
  );
}

/** Fills in the defaults and validates; throws `InvalidSettleConfigError` naming the bad field. */
export function resolveSettleConfig(config: SettleConfig = {}): Required<SettleConfig> {
  const redeliverDelayMs = config.redeliverDelayMs ?? 1000;
  if (!Number.isSafeInteger(redeliverDelayMs) || redeliverDelayMs < 0) {
    throw new InvalidSettleConfigError('redeliverDelayMs', `must be a non-negative integer, got ${redeliverDelayMs}`);
  }
  return { clock: config.clock ?? systemClock, redeliverDelayMs };
}

function perform(delivery: Delivery, settlement: Settlement): Promise<void> {
  try {
    switch (settlement.kind) {
      case 'ack':
        return delivery.ack();
      case 'retry':
        return delivery.retry(settlement.delayMs);
      case 'deadLetter':
        return delivery.deadLetter(settlement.reason);
    }
  } catch (error) {
    return Promise.reject(error);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
