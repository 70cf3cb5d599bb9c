import { defer, finalize, type OperatorFunction } from 'rxjs';
import { systemClock, type Clock } from '../domain/clock.js';
import type { Envelope } from '../domain/envelope.js';
import type { Decoded, Delivery } from './delivery.js';
import type { HandlerOutcome } from './handlerOutcome.js';
import { resolveRetryConfig, type RetryConfig } from './retrySchedule.js';
import { runByKey } from './runByKey.js';
import { resolveSettleConfig, settle, type SettledRecord } from './settle.js';
import { withRetry, type RetryResult } from './withRetry.js';

/**
 * What a handler answers: a `HandlerOutcome`, and with a `reject` optionally what to do once the
 * delivery is dead-lettered (a handler that remembered its refusal records that its dead letter is
 * done). `deadLettered` runs in the order's slot, before that key's next delivery, and only when
 * the broker took the dead letter; it must not reject (a rejection is ignored).
 */
export type ProcessOutcome = HandlerOutcome & { readonly deadLettered?: () => Promise<void> };

export interface ProcessConfig {
  /** Decodes, validates and upcasts; parks bad input itself (see `decode.ts`). Required. */
  readonly decode: OperatorFunction<Delivery, Decoded>;
  /** Backoff for transient handler failures. @default resolveRetryConfig({}) (5 attempts, 100 ms doubling to 10 s, equal jitter) */
  readonly retry?: RetryConfig;
  /** Times the waits between attempts and stamps settlements. @default systemClock */
  readonly clock?: Clock;
  /** Most envelopes being handled at once across all orders. @default Infinity (the source's credit bounds it) */
  readonly maxConcurrent?: number;
  /** Delay of the fallback broker redelivery when a dead letter is refused. @default 1000 */
  readonly redeliverDelayMs?: number;
  /**
   * Shutdown (the same signal that drains the source): once aborted, waits between attempts end
   * at once and such a delivery is handed back with `retry(0)`, not dead-lettered, so a restart
   * picks it up. Later deliveries of that key are then handed back unprocessed too, keeping the
   * order's events in order. Deliveries whose attempt succeeds or fails for good settle as usual.
   * @default undefined (never aborted)
   */
  readonly signal?: AbortSignal;
  /** Told the number of orders with work running or waiting whenever it changes. @default undefined */
  readonly onKeysChanged?: (liveKeys: number) => void;
  /**
   * Wraps the handling of each delivery, retries and settlement included: the app runs it in the
   * message's log context (see `logContext.ts`). @default undefined (runs as it is)
   */
  readonly around?: <T>(decoded: Decoded, work: () => Promise<T>) => Promise<T>;
}

/**
 * The delivery pipeline: decode, then route by `envelope.key` so each order's events are handled
 * one at a time and in order while other orders go on, retry transient failures with backoff
 * inside the order's slot (that key waits, no other does), and settle each delivery exactly
 * once: ack, dead letter, or hand back. Emits one `SettledRecord` per handled delivery (deliveries
 * that `decode` parks are not emitted here). Never errors on handler failures: `handler` may
 * throw (`PermanentError` is dead-lettered at once, anything else is retried) or answer
 * `reject`.
 *
 * Bounds: waiting deliveries are bounded by the source's credit (see `runByKey`). Unsubscribing
 * aborts every pending retry wait (no timer outlives the subscription) and drops waiting
 * deliveries, which the source hands back to the broker; a handler call already running still
 * settles its delivery when it ends. Throws `InvalidRetryConfigError`, `InvalidRunByKeyConfigError`
 * or `InvalidSettleConfigError` at once on a bad config.
 */
export function processDeliveries(
  config: ProcessConfig,
  handler: (envelope: Envelope, attempt: number) => Promise<ProcessOutcome>,
): OperatorFunction<Delivery, SettledRecord> {
  const clock = config.clock ?? systemClock;
  const retryConfig = resolveRetryConfig(config.retry);
  const settleConfig = resolveSettleConfig({ clock, ...(config.redeliverDelayMs === undefined ? {} : { redeliverDelayMs: config.redeliverDelayMs }) });
  const retry = withRetry({ ...retryConfig, clock });

  const pipeline = (signal: AbortSignal) => {
    // Keys with a delivery handed back at shutdown; bounded by the credit, as no new deliveries come after abort.
    const handedBack = new Set<string>();
    const around = config.around;
    const handleOne = async ({ delivery, envelope }: Decoded): Promise<SettledRecord> => {
      const result: RetryResult<ProcessOutcome> =
        signal.aborted && handedBack.has(envelope.key)
          ? { ok: false, error: signal.reason, attempts: 0, permanent: false, aborted: true }
          : await retry((attempt) => handler(envelope, attempt), { signal });
      if (!result.ok && result.aborted) handedBack.add(envelope.key);
      const settled = await settle(delivery, result, settleConfig);
      const after = result.ok ? result.value.deadLettered : undefined;
      if (after && settled.settlement.kind === 'deadLetter' && settled.error === undefined) await after().catch(() => undefined);
      return settled;
    };
    const handle = around ? (decoded: Decoded) => around(decoded, () => handleOne(decoded)) : handleOne;
    return runByKey<Decoded, SettledRecord>(
      { key: (decoded) => decoded.envelope.key, maxConcurrent: config.maxConcurrent, onKeysChanged: config.onKeysChanged },
      handle,
    );
  };
  // Validate the runByKey options now rather than at subscription.
  pipeline(new AbortController().signal);

  return (source) =>
    defer(() => {
      const teardown = new AbortController();
      const signal = config.signal ? AbortSignal.any([config.signal, teardown.signal]) : teardown.signal;
      return source.pipe(
        config.decode,
        pipeline(signal),
        finalize(() => teardown.abort()),
      );
    });
}
