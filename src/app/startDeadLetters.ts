import type { MonoTypeOperatorFunction } from 'rxjs';
import type { ParkedEvent } from '../actors/decideOrder.js';
import type { OrderStore } from '../actors/orderStore.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { encodeStructured } from '../domain/encodeEnvelope.js';
import type { Envelope } from '../domain/envelope.js';
import type { HttpAuth } from '../gateways/http/auth/index.js';
import type { DlqRouteDeps } from '../gateways/http/dlqRoutes.js';
import { createMemoryDeadLetterStore } from '../gateways/memory/createMemoryDeadLetterStore.js';
import { createRedisDeadLetterStore } from '../gateways/redis/createRedisDeadLetterStore.js';
import { createDelivery } from '../streams/createDelivery.js';
import type { DeadLetterContext, DeadLetterStore } from '../streams/deadLetterStore.js';
import type { Delivery } from '../streams/delivery.js';
import { FailureTimes } from '../streams/failureTimes.js';
import { identifyEvent, type EventIdentity } from '../streams/identifyEvent.js';
import { recordDeadLetters, recordingDelivery, type RecordDeadLettersConfig } from '../streams/recordDeadLetters.js';
import { replayDeadLetter } from '../streams/replayDeadLetter.js';
import type { Sink } from '../streams/source.js';
import type { Config } from './config.js';

export type DeadLetterConfig = Pick<
  Config,
  | 'ORDERLY_STORE'
  | 'REDIS_URL'
  | 'ORDERLY_REDIS_KEY_PREFIX'
  | 'ORDERLY_DEFAULT_CURRENCY'
  | 'ORDERLY_MAX_BODY_BYTES'
  | 'ORDERLY_CHANNEL_PREFIX'
  | 'ORDERLY_DLQ_MAX_ENTRIES'
  | 'ORDERLY_DLQ_CONTEXT_HISTORY'
>;

export interface DeadLettersDeps {
  /** Where the order's snapshot and history come from when a message is quarantined. */
  readonly orders: Pick<OrderStore, 'load'>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** The index to use instead of the one the config names (tests); its owner closes it. */
  readonly store?: DeadLetterStore;
}

export interface DeadLetters {
  readonly store: DeadLetterStore;
  /** Put in front of `processDeliveries`: each delivery's `deadLetter` indexes before the broker parks. */
  readonly record: MonoTypeOperatorFunction<Delivery>;
  /** The same, around a whole gateway (its `consume`), for a gateway handed to the pipeline. */
  /** Wraps the pipeline's handler so that dead letters carry their first failure time. */
  observeHandler<R>(handler: (envelope: Envelope, attempt: number) => Promise<R>): (envelope: Envelope, attempt: number) => Promise<R>;
  /** Indexes stashed events that can no longer be applied (orphans) before they are published to the DLQ. */
  recordParked(parked: readonly ParkedEvent[]): Promise<void>;
  /** What `registerDlqRoutes` needs besides the auth. */
  routeDeps(sinks: { publisher: Sink; gateways?: ReadonlyMap<string, Sink> }, auth: Pick<HttpAuth, 'verifyAuthorization'>): DlqRouteDeps;
  /** Closes an index this made. Idempotent. */
  close(): Promise<void>;
}

/**
 * Dead-letter operations: the index (`ORDERLY_STORE` decides memory or Redis, bounded by
 * `ORDERLY_DLQ_MAX_ENTRIES`), the recorder the pipeline puts in front of its processing, the
 * order context of a quarantined message, and the replay the HTTP routes call.
 */
export function startDeadLetters(config: DeadLetterConfig, deps: DeadLettersDeps): DeadLetters {
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const owned = deps.store ? undefined : createStore(config, config.ORDERLY_DLQ_MAX_ENTRIES);
  const store = deps.store ?? owned!;
  const failureTimes = new FailureTimes({ clock });
  const prefix = config.ORDERLY_CHANNEL_PREFIX ?? '';

  const contextFor = async ({ key }: EventIdentity): Promise<DeadLetterContext> => {
    const record = await deps.orders.load(key);
    if (!record) return { snapshot: null, history: [] };
    const { stash, history, appliedIds, refused, ...snapshot } = record;
    return {
      snapshot: { ...snapshot, appliedIds: appliedIds.length, refused: refused?.length ?? 0, stashed: stash.map((s) => ({ id: s.envelope.id, type: s.envelope.type, stashedAt: s.stashedAt })) },
      history: history.slice(-config.ORDERLY_DLQ_CONTEXT_HISTORY),
    };
  };
  const recorder: RecordDeadLettersConfig = {
    store,
    identify: identifyEvent({ defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY, maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES, channelPrefix: prefix }),
    contextFor,
    failureTimes,
    clock,
    newId,
  };
  const record = recordDeadLetters(recorder);

  // An orphan was acked when it was stashed, so it has no delivery: index it through one whose
  // broker side does nothing, since the pipeline's `park` publishes it to the DLQ right after.
  const recordParked = async (parked: readonly ParkedEvent[]) => {
    for (const { envelope, code, message } of parked) {
      const outbound = encodeStructured(envelope);
      const origin = { gateway: 'orderly', channel: prefix + envelope.type, coordinates: {}, attempt: 1, receivedAt: clock.now() };
      const noop = async () => undefined;
      const delivery = createDelivery({ ...outbound }, origin, { ack: noop, retry: noop, deadLetter: noop });
      await recordingDelivery(delivery, recorder).deadLetter({ code, message, attempts: 1 });
    }
  };

  let closing: Promise<void> | undefined;
  return {
    store,
    record,
    observeHandler: (handler) => failureTimes.observe(handler),
    recordParked,
    routeDeps: ({ publisher, gateways }, auth) => ({
      auth,
      store,
      // Back through the gateway it came from, to its channel; a gateway not running here (or
      // Orderly's own `park`) gets the publisher.
      replay: (entry) => replayDeadLetter(entry, { store, sinkFor: (gateway) => gateways?.get(gateway) ?? publisher }),
    }),
    close: () => (closing ??= owned?.close?.() ?? Promise.resolve()),
  };
}

function createStore(config: DeadLetterConfig, maxEntries: number): DeadLetterStore & { close?(): Promise<void> } {
  switch (config.ORDERLY_STORE) {
    case 'memory':
      return createMemoryDeadLetterStore({ maxEntries });
    case 'redis':
      return createRedisDeadLetterStore({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX, maxEntries });
  }
}
