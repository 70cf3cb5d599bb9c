import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { systemClock, type Clock } from '../domain/clock.js';
import type { DeadLetterDetails } from './deadLetterHeaders.js';
import type { DeadLetterContext, DeadLetterEntry, DeadLetterStore } from './deadLetterStore.js';
import { SettlementError, type DeadLetterReason, type Delivery } from './delivery.js';
import type { FailureTimes } from './failureTimes.js';
import type { EventIdentity } from './identifyEvent.js';

export interface RecordDeadLettersConfig {
  /** Where each dead letter is indexed before the broker parks it. Required. */
  readonly store: Pick<DeadLetterStore, 'add' | 'delete'>;
  /** Reads the event's id, type, key and correlation id (`identifyEvent`). @default () => undefined (entries without them) */
  readonly identify?: (delivery: Delivery) => EventIdentity | undefined;
  /**
   * The order's state at this moment (stored snapshot and recent history): what makes a
   * quarantined message understandable later. A rejection is recorded as `contextError`, never
   * blocks the dead letter. @default undefined (no context)
   */
  readonly contextFor?: (identity: EventIdentity) => Promise<DeadLetterContext | undefined>;
  /** First-failure times noted by the handler (`FailureTimes.observe`). @default undefined (first failure = arrival) */
  readonly failureTimes?: Pick<FailureTimes, 'take'>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Id of each index entry. @default crypto.randomUUID */
  readonly newId?: () => string;
}

/**
 * The index could not take the entry, so the message was not dead-lettered: the pipeline's
 * settle then hands it back to the broker (`retry`) and it comes round again. Parking it without
 * a record would leave a dead letter nobody can browse or replay.
 */
export class DeadLetterIndexError extends Error {
  override readonly name = 'DeadLetterIndexError';
  constructor(
    readonly entryId: string,
    options: { cause: unknown },
  ) {
    super(`dead letter ${entryId} not indexed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/**
 * Wraps every delivery so that its `deadLetter` first writes an entry to the dead-letter index
 * (with the order's context) and only then asks the broker to park the message.
 *
 * Why that order: the index is what people browse and replay from, and the broker copy is the
 * durable record. Index first means the index is never missing what the broker DLQ has: if the
 * index write fails the delivery is not parked at all (`DeadLetterIndexError`; settle retries
 * it); if the broker then refuses the dead letter, the entry is removed again (best effort) and
 * the message goes back to the broker with it. The worst left behind is an index entry whose
 * broker copy is missing (the removal failed too): replaying it is harmless, its event id is
 * already applied or comes round again anyway.
 */
export function recordDeadLetters(config: RecordDeadLettersConfig): MonoTypeOperatorFunction<Delivery> {
  return map((delivery) => recordingDelivery(delivery, config));
}

/** One delivery, wrapped as `recordDeadLetters` does. Settling stays exclusive, indexing included. */
export function recordingDelivery(delivery: Delivery, config: RecordDeadLettersConfig): Delivery {
  const clock = config.clock ?? systemClock;
  const newId = config.newId ?? (() => crypto.randomUUID());
  // Set while the index is written: the inner delivery is not settled yet, but nothing else may settle it.
  let indexing = false;
  const guard =
    <A extends unknown[]>(kind: 'ack' | 'retry', run: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> =>
      indexing ? Promise.reject(new SettlementError(kind, 'deadLetter')) : run(...args);

  const deadLetter = async (reason: DeadLetterReason): Promise<void> => {
    if (indexing) throw new SettlementError('deadLetter', 'deadLetter');
    if (delivery.settled) return delivery.deadLetter(reason); // rejects with SettlementError, index untouched
    indexing = true;
    const id = newId();
    let entry: DeadLetterEntry;
    try {
      entry = await entryFor(delivery, reason, id, clock, config);
      await config.store.add(entry);
    } catch (cause) {
      indexing = false;
      throw new DeadLetterIndexError(id, { cause });
    }
    indexing = false;
    const details: DeadLetterDetails = {
      ...reason,
      firstFailedAt: Date.parse(entry.firstFailedAt),
      indexId: id,
      ...(entry.correlationId === undefined ? {} : { correlationId: entry.correlationId }),
      ...(entry.eventId === undefined ? {} : { eventId: entry.eventId }),
    };
    try {
      await delivery.deadLetter(details);
    } catch (error) {
      await config.store.delete(id).catch(() => undefined);
      throw error;
    }
  };

  return {
    message: delivery.message,
    origin: delivery.origin,
    get settled() {
      return indexing || delivery.settled;
    },
    ack: guard('ack', () => delivery.ack()),
    retry: guard('retry', (delayMs: number) => delivery.retry(delayMs)),
    deadLetter,
  };
}

async function entryFor(delivery: Delivery, reason: DeadLetterReason, id: string, clock: Clock, config: RecordDeadLettersConfig): Promise<DeadLetterEntry> {
  const { message, origin } = delivery;
  const identity = config.identify?.(delivery);
  const now = clock.now();
  const firstFailedAt = (identity && config.failureTimes?.take(identity.id)) ?? Math.min(origin.receivedAt, now);
  let context: DeadLetterContext | undefined;
  let contextError: string | undefined;
  if (identity && config.contextFor) {
    try {
      context = await config.contextFor(identity);
    } catch (error) {
      contextError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  return {
    id,
    reason: reason.code,
    message: reason.message,
    ...(reason.error === undefined ? {} : { error: reason.error }),
    attempts: reason.attempts,
    firstFailedAt: new Date(firstFailedAt).toISOString(),
    lastFailedAt: new Date(now).toISOString(),
    ...(identity?.correlationId === undefined ? {} : { correlationId: identity.correlationId }),
    ...(identity ? { eventId: identity.id, eventType: identity.type, orderKey: identity.key } : {}),
    origin: { gateway: origin.gateway, channel: origin.channel, coordinates: origin.coordinates, attempt: origin.attempt },
    original: {
      body: Buffer.from(message.body).toString('base64'),
      headers: message.headers,
      ...(message.key === undefined ? {} : { key: message.key }),
    },
    ...(context === undefined ? {} : { context }),
    ...(contextError === undefined ? {} : { contextError }),
  };
}
