import type { AddressInfo } from 'node:net';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { OrderRegistry } from '../actors/orderRegistry.js';
import type { OrderChange, ParkedEvent } from '../actors/decideOrder.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { EVENT_TYPES } from '../domain/orderEvents.js';
import { encodeStructured } from '../domain/encodeEnvelope.js';
import { createHttpServer } from '../gateways/http/createHttpServer.js';
import type { Readiness } from '../gateways/http/healthRoutes.js';
import { createMemoryBroker } from '../gateways/memory/createMemoryBroker.js';
import { createMemoryOrderStore } from '../gateways/memory/createMemoryOrderStore.js';
import { deadLetterHeaders } from '../streams/deadLetterHeaders.js';
import { decode } from '../streams/decode.js';
import { processDeliveries } from '../streams/processDeliveries.js';
import type { SettledRecord } from '../streams/settle.js';
import type { Config } from './config.js';
import { orderHandler } from './orderHandler.js';

export interface OrderlyDeps {
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
}

export interface Orderly {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly registry: OrderRegistry;
  /** Every applied change, after it is stored: what the hub and outbound status events are made from. */
  readonly changes$: Observable<OrderChange>;
  /** Every settled delivery (acked or dead-lettered), for metrics and tests. */
  readonly settled$: Observable<SettledRecord>;
  readiness(): Readiness;
  /** Stops intake, lets in-flight work finish within the shutdown deadline, closes everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that knows every room. It builds the gateways, the
 * pipeline and the actors from the config, and tears them down in the reverse order.
 */
export async function createOrderly(config: Config, deps: OrderlyDeps): Promise<Orderly> {
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const log = deps.logger;

  const broker = createMemoryBroker({ maxChannelDepth: config.ORDERLY_MEMORY_MAX_DEPTH, clock });
  const store = createMemoryOrderStore({ maxOrders: config.ORDERLY_MEMORY_MAX_ORDERS });

  const park = async (parked: readonly ParkedEvent[]) => {
    for (const { envelope, code, message } of parked) {
      const outbound = encodeStructured(envelope);
      const origin = { gateway: 'memory', channel: envelope.type, coordinates: {}, attempt: 1, receivedAt: clock.now() };
      const headers = { ...outbound.headers, ...deadLetterHeaders({ code, message, attempts: 1 }, origin, new Date(clock.now())) };
      await broker.publish(`${envelope.type}.dlq`, { ...outbound, headers });
    }
  };
  const registry = new OrderRegistry({
    deps: {
      store,
      clock,
      park,
      limits: {
        maxAppliedIds: config.ORDERLY_APPLIED_IDS_MAX,
        stashMaxCount: config.ORDERLY_STASH_MAX,
        stashMaxAgeMs: config.ORDERLY_STASH_MAX_AGE_MS,
        maxHistory: config.ORDERLY_HISTORY_MAX,
      },
    },
    maxLiveOrders: config.ORDERLY_MAX_LIVE_ORDERS,
    idleMs: config.ORDERLY_ORDER_IDLE_MS,
    clock,
  });

  const changes = new Subject<OrderChange>();
  const settled = new Subject<SettledRecord>();
  const intake = new AbortController();
  let draining = false;
  let consuming = false;

  const pipeline: Subscription = broker
    .consume({ channels: EVENT_TYPES, group: config.ORDERLY_CONSUMER_GROUP, credit: config.ORDERLY_CREDIT, signal: intake.signal })
    .pipe(
      processDeliveries(
        {
          decode: decode({
            defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY,
            maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
            clock,
            newId,
            onDeadLetter: (delivery, reason) => log.warn({ origin: delivery.origin, reason }, 'dead-lettered undecodable event'),
          }),
          retry: {
            maxAttempts: config.ORDERLY_MAX_ATTEMPTS,
            baseDelayMs: config.ORDERLY_RETRY_BASE_MS,
            maxDelayMs: config.ORDERLY_RETRY_MAX_MS,
          },
          clock,
          signal: intake.signal,
        },
        orderHandler(registry, changes, log),
      ),
    )
    .subscribe({
      next: (record) => settled.next(record),
      error: (error: unknown) => log.fatal({ err: error }, 'pipeline failed'),
      complete: () => {
        consuming = false;
        settled.complete();
      },
    });
  consuming = true;

  const readiness = (): Readiness => {
    const checks = {
      consuming: { ok: consuming, detail: consuming ? 'pipeline running' : 'pipeline stopped' },
      draining: { ok: !draining, ...(draining ? { detail: 'shutting down' } : {}) },
    };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  const http = createHttpServer({
    sink: broker,
    orders: store,
    readiness,
    now: () => clock.now(),
    newId,
    defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY,
    maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
    logger: log,
  });
  await http.listen({ port: config.PORT, host: config.HOST });
  const address = http.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      await http.close(); // no new requests; answers in progress are finished
      intake.abort(); // the source stops fetching; in-flight deliveries still settle
      const finished = await settledOrTimeout(pipeline, config.ORDERLY_SHUTDOWN_TIMEOUT_MS);
      if (!finished) log.warn({ timeoutMs: config.ORDERLY_SHUTDOWN_TIMEOUT_MS }, 'shutdown deadline passed; unsettled deliveries go back to the broker');
      pipeline.unsubscribe();
      registry.stop();
      await broker.close();
      changes.complete();
      settled.complete();
    })());

  return {
    url: `http://${host}:${address.port}`,
    registry,
    changes$: changes.asObservable(),
    settled$: settled.asObservable(),
    readiness,
    stop,
  };
}

/** Resolves true when the pipeline completes on its own (everything settled), false at the deadline. */
function settledOrTimeout(pipeline: Subscription, timeoutMs: number): Promise<boolean> {
  if (pipeline.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    pipeline.add(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
