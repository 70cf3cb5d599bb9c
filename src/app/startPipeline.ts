import { identity, Observable, Subject, tap, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';
import { fromCallback, fromObservable, type Actor, type InspectionEvent, type Observer } from 'xstate';
import type { ChildSpec, SupervisorLogic } from '../actors/supervision/index.js';
import type { Logger } from 'pino';
import type { OrderChange, ParkedEvent } from '../actors/decideOrder.js';
import { OrderRegistry } from '../actors/orderRegistry.js';
import { OutboxRelay } from '../actors/outbox/outboxRelay.js';
import { hasOutbox, type OutboxStore } from '../actors/outbox/outboxStore.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { encodeStructured } from '../domain/encodeEnvelope.js';
import type { OrderStore } from '../actors/orderStore.js';
import { createMemoryOrderStore } from '../gateways/memory/index.js';
import { createRedisOrderStore } from '../gateways/redis/createRedisOrderStore.js';
import { deadLetterHeaders } from '../streams/deadLetterHeaders.js';
import type { Delivery } from '../streams/delivery.js';
import { decode } from '../streams/decode.js';
import { InFlight } from '../streams/inFlight.js';
import { logContextOf, runInLogContext } from '../streams/logContext.js';
import { processDeliveries } from '../streams/processDeliveries.js';
import type { SettledRecord } from '../streams/settle.js';
import { createBrokerGateway, type BrokerGateway } from './brokerGateway.js';
import { crashingSink, crashingStore, crashSwitch } from './crashPoints.js';
import { startDeadLetters, type DeadLetters } from './startDeadLetters.js';
import { startTopSupervisor } from './startSupervisor.js';
import { superviseSources } from './superviseSources.js';
import type { Config, SourceName } from './config.js';
import { LiveAnnouncer } from './liveAnnouncer.js';
import { orderHandler } from './orderHandler.js';

export interface PipelineDeps {
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * The order store; tests wrap one to inject failures. Status events are written and relayed
   * only when it is an `OutboxStore` too (both real stores are). @default an embedded store sized by the config
   */
  readonly store?: OrderStore;
  /** Called once when the pipeline fails for good (the gateways supervisor gave up): the app shuts down and exits non-zero. */
  readonly onFatal?: (error: unknown) => void;
  /** Gateways to use instead of making them (tests; a restarted pipeline reuses the same ones); their owner closes them. */
  readonly gateways?: Partial<Record<SourceName, BrokerGateway>>;
  /**
   * Who supervises the pipeline's actors (`tree`). `own`: a `pipeline` supervisor, started here
   * (the benchmarks, tests, a pipeline on its own). `caller`: nothing runs yet; the caller puts
   * `tree` under its own supervisor, starts it, and calls `fail` if that gives up (Orderly's root).
   * @default 'own'
   */
  readonly supervisor?: 'own' | 'caller';
  /** Inspection observer for the order actors (each is a root actor of its own): the Stately inspector. */
  readonly inspect?: Observer<InspectionEvent>;
  /** Sees every delivery first, before anything wraps it, and may wrap it itself: the metrics' counter. */
  readonly countDeliveries?: MonoTypeOperatorFunction<Delivery>;
}

/** The pipeline's actors, in start order: they stop in reverse, the sources first. */
export interface PipelineTree {
  /** The order registry: parent of every order actor, one-for-one over them. */
  readonly registry: ChildSpec;
  /** The outbox relay; absent when status events are off. */
  readonly outbox: ChildSpec | undefined;
  /** The gateways supervisor, one child per source. */
  readonly gateways: ChildSpec;
}

export interface Pipeline {
  /** Where the HTTP API publishes: the gateway of `ORDERLY_PUBLISH_TO`. */
  readonly publisher: BrokerGateway;
  readonly store: OrderStore;
  readonly registry: OrderRegistry;
  /** Every applied change, once, after it is stored (in-process observers: metrics, emails). */
  readonly changes$: Observable<OrderChange>;
  /** Where real-time clients' changes go, awaited before each ack; the real-time side attaches to it. */
  readonly live: LiveAnnouncer;
  /** The relay publishing the outbox to the status channel; undefined when status events are off. */
  readonly outboxRelay: OutboxRelay | undefined;
  /** Status events stored and not yet published (0 when status events are off), for metrics. */
  outboxBacklog(): Promise<number>;
  /** Deliveries received and not yet settled: their count and the oldest one's age (readiness, metrics). */
  readonly inFlight: InFlight;
  /** Every delivery the pipeline settled (acked, dead-lettered — undecodable ones too, with 0 attempts — or handed back), for metrics and tests. */
  readonly settled$: Observable<SettledRecord>;
  /** True from start until the source has completed or been stopped. */
  readonly consuming: boolean;
  /** Sources that failed and wait to be subscribed again, with the last error. */
  readonly sourcesDown: ReadonlyMap<SourceName, string>;
  /** Sources whose consumer the broker has put in place (and that have not failed since). */
  readonly sourcesReady: ReadonlySet<SourceName>;
  /** The dead-letter index behind `GET /dlq` and `orderly dlq`, and its replay. */
  readonly deadLetters: DeadLetters;
  /** The gateway of each source: where a replayed dead letter goes back to. */
  readonly gateways: ReadonlyMap<SourceName, BrokerGateway>;
  /** The pipeline's actors, for a caller that supervises them (`supervisor: 'caller'`). */
  readonly tree: PipelineTree;
  /** The pipeline's own supervisor (registry, outbox relay, gateways) with each child's state and restart count; undefined when the caller supervises. */
  readonly supervisor: Actor<SupervisorLogic> | undefined;
  /** The tree the pipeline runs in gave up: intake ends, `consuming` turns false, and `onFatal` is called. */
  fail(error: unknown): void;
  /**
   * The first half of `stop`: stops intake, waits (up to `timeoutMs`) for in-flight deliveries to
   * settle, lets the outbox relay publish what is pending, and stops the supervision tree; the
   * broker connections and the store stay open for whoever still needs them (the jobs). Idempotent.
   */
  drain(timeoutMs: number): Promise<void>;
  /**
   * Stops intake and waits (up to `timeoutMs`) for in-flight deliveries to settle, then stops the
   * actors, lets the outbox relay publish what is pending for what is left of `timeoutMs`, and
   * closes the broker (unless it was handed in: its owner closes it). Whatever had not settled
   * goes back to the broker; unpublished status events stay in the store. Idempotent.
   */
  stop(timeoutMs: number): Promise<void>;
  /** Like a crash: unsubscribes at once, unsettled deliveries go back to the broker, the relay stops mid-pass, nothing waits. */
  abandon(): void;
}

/** Restarts of a top-level child (a gateways supervisor or relay that gave up) per period before the tree gives up. */
export const TREE_RESTART_INTENSITY = 3;

/** Failed relay passes in a row (each retried with backoff) before the relay is restarted by its supervisor. */
const OUTBOX_RELAY_MAX_FAILURES = 10;

/**
 * Broker → decode → keyed, retried, settled processing → order actors → store. Everything of
 * Orderly except its HTTP face; the benchmark runs exactly this.
 */
export async function startPipeline(config: Config, deps: PipelineDeps): Promise<Pipeline> {
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const log = deps.logger;
  const prefix = config.ORDERLY_CHANNEL_PREFIX ?? '';
  const owned: BrokerGateway[] = [];
  const gateways = new Map(
    config.ORDERLY_SOURCES.map((name) => {
      const given = deps.gateways?.[name];
      if (given) return [name, given] as const;
      const made = createBrokerGateway(name, config, clock, log);
      owned.push(made);
      return [name, made] as const;
    }),
  );
  const publisher = gateways.get(config.ORDERLY_PUBLISH_TO ?? config.ORDERLY_SOURCES[0]!)!;
  // Crash points only when a crash test asks for them: no proxy on the store's hot path otherwise.
  const crashPlan = config.ORDERLY_TEST_CRASH_AT;
  const reach = crashSwitch(crashPlan);
  const ownedStore = deps.store ? undefined : createOrderStore(config);
  const store = crashPlan ? crashingStore(deps.store ?? ownedStore!, reach) : (deps.store ?? ownedStore!);
  const outbox: OutboxStore | undefined = config.ORDERLY_STATUS_EVENTS && hasOutbox(store) ? store : undefined;
  if (config.ORDERLY_STATUS_EVENTS && !outbox) log.warn('the order store keeps no outbox: no order.status-changed events are published');
  const statusChannel = prefix + config.ORDERLY_STATUS_CHANNEL;

  // Stashed events were acked when stashed; the ones that can no longer be applied are
  // published to their channel's dead-letter channel like any other dead letter.
  const deadLetters = startDeadLetters(config, { orders: store, clock, newId });
  const park = async (parked: readonly ParkedEvent[]) => {
    // Indexed first (GET /dlq, orderly dlq), as every dead letter is; a failure here fails the
    // save like a failed publish, and the delivery is retried.
    await deadLetters.recordParked(parked);
    for (const { envelope, code, message } of parked) {
      const outbound = encodeStructured(envelope);
      const origin = { gateway: 'orderly', channel: prefix + envelope.type, coordinates: {}, attempt: 1, receivedAt: clock.now() };
      const headers = { ...outbound.headers, ...deadLetterHeaders({ code, message, attempts: 1 }, origin, new Date(clock.now())) };
      await publisher.publish(publisher.deadLetterChannel(prefix + envelope.type), { ...outbound, headers });
    }
  };
  const registry = new OrderRegistry({
    deps: {
      store,
      clock,
      park,
      ...(outbox ? { statusEvents: { newId, source: '/orderly' } } : {}),
      // Only a store that outlives the process can bring an announcement back after a crash.
      keepLastChanges: config.ORDERLY_STORE !== 'memory',
      limits: {
        maxAppliedIds: config.ORDERLY_APPLIED_IDS_MAX,
        stashMaxCount: config.ORDERLY_STASH_MAX,
        stashMaxAgeMs: config.ORDERLY_STASH_MAX_AGE_MS,
        maxHistory: config.ORDERLY_HISTORY_MAX,
      },
    },
    maxLiveOrders: config.ORDERLY_MAX_LIVE_ORDERS,
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
    idleMs: config.ORDERLY_ORDER_IDLE_MS,
    clock,
  });

  const changes = new Subject<OrderChange>();
  const live = new LiveAnnouncer(() => reach('hub.before-publish'));
  const settled = new Subject<SettledRecord>();
  const intake = new AbortController();
  let consuming = true;

  // Topology first: a producer that publishes once Orderly is up must find its channel there
  // (RabbitMQ drops what no queue is bound for; JetStream refuses what no stream captures).
  const channels = config.ORDERLY_CHANNELS.map((c) => prefix + c);
  try {
    await Promise.all(
      [...gateways].map(([name, gateway]) =>
        // The status channel too, on the broker it goes to: published before anyone subscribes, it must be kept.
        gateway.prepare(outbox && gateway === publisher ? [...channels, statusChannel] : channels).catch((error: unknown) => {
          throw new SourceUnavailableError(name, where(name, config), { cause: error });
        }),
      ),
    );
  } catch (error) {
    await Promise.all(owned.map((gateway) => gateway.close().catch(() => undefined)));
    await deadLetters.close().catch(() => undefined);
    await ownedStore?.close?.();
    registry.stop();
    throw error;
  }

  // The outbox relay is a child of the pipeline supervisor: after OUTBOX_RELAY_MAX_FAILURES failed
  // passes in a row it gives up and is started afresh (a new relay, new connections' state).
  // Entries left by an earlier run go out first; every stored change wakes the current relay.
  let outboxRelay: OutboxRelay | undefined;
  const registryChild: ChildSpec = { id: 'registry', logic: fromCallback(() => registry.run()) };
  const relayChild: ChildSpec | undefined = outbox && {
    id: 'outbox',
    logic: fromObservable(
      () =>
        new Observable<never>((subscriber) => {
          const relay = new OutboxRelay({
            store: outbox,
            sink: crashPlan ? crashingSink(publisher, reach) : publisher,
            channel: statusChannel,
            batchSize: config.ORDERLY_OUTBOX_BATCH,
            pollMs: config.ORDERLY_OUTBOX_POLL_MS,
            retryBaseMs: config.ORDERLY_RETRY_BASE_MS,
            retryMaxMs: config.ORDERLY_RETRY_MAX_MS,
            maxFailures: OUTBOX_RELAY_MAX_FAILURES,
            clock,
            onError: (error, { failures, retryInMs }) => log.warn({ err: error, failures, retryInMs }, 'outbox relay: pass failed; trying again'),
            onFailure: (error) => subscriber.error(error),
          }).start();
          outboxRelay = relay;
          return () => relay.abandon();
        }),
    ),
  };
  changes.subscribe(() => outboxRelay?.wake());

  // Every source gets the full credit: each bounds its own broker; the total is credit × sources.
  const consume = { channels, group: config.ORDERLY_CONSUMER_GROUP, credit: config.ORDERLY_CREDIT, signal: intake.signal };
  // The gateways supervisor: a failed source is restarted with backoff (see superviseSources).
  const sources = superviseSources(
    gateways,
    consume,
    {
      intensity: config.ORDERLY_SOURCE_RESTART_INTENSITY,
      periodMs: config.ORDERLY_SOURCE_RESTART_PERIOD_MS,
      baseMs: config.ORDERLY_RETRY_BASE_MS,
      maxMs: config.ORDERLY_RETRY_MAX_MS,
    },
    { log },
  );
  const tree: PipelineTree = { registry: registryChild, outbox: relayChild, gateways: sources.gateways };
  // Bounded by the credit of every source; a few times that before settled ones are swept.
  const inFlight = new InFlight(4 * config.ORDERLY_CREDIT * gateways.size);
  const subscription: Subscription = sources.deliveries$
    .pipe(
      deps.countDeliveries ?? identity,
      tap((delivery) => inFlight.add(delivery)),
      // Every dead letter is indexed (with the order's snapshot when quarantined) before its broker parks it.
      deadLetters.record,
      processDeliveries(
        {
          decode: decode({
            defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY,
            maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
            channelPrefix: prefix,
            clock,
            newId,
            onDeadLetter: (delivery, reason) => {
              log.warn({ origin: delivery.origin, reason }, 'dead-lettered undecodable event');
              // Parked before it reached the handler; still a settlement, for metrics and the dashboard.
              settled.next({ delivery, settlement: { kind: 'deadLetter', reason }, attempts: 0, settledAt: clock.now() });
            },
          }),
          retry: {
            maxAttempts: config.ORDERLY_MAX_ATTEMPTS,
            baseDelayMs: config.ORDERLY_RETRY_BASE_MS,
            maxDelayMs: config.ORDERLY_RETRY_MAX_MS,
          },
          clock,
          signal: intake.signal,
          // Every line logged while a message is handled names it (correlation id, event, order, source).
          around: (decoded, work) => runInLogContext(logContextOf(decoded), work),
        },
        deadLetters.observeHandler(orderHandler(registry, changes, live, log)),
      ),
    )
    .subscribe({
      next: (record) => settled.next(record),
      error: (error: unknown) => {
        consuming = false;
        log.fatal({ err: error }, 'pipeline failed');
        deps.onFatal?.(error);
      },
      complete: () => {
        consuming = false;
      },
    });

  // Alone, the pipeline supervises its own actors; a few fresh starts of a subtree that gave up
  // (its own restarts spent) are allowed, more within the period are a pattern, and the process
  // had better be restarted whole.
  const supervisor =
    deps.supervisor === 'caller'
      ? undefined
      : startTopSupervisor({
          id: 'pipeline',
          children: [tree.registry, ...(tree.outbox ? [tree.outbox] : []), tree.gateways],
          intensity: TREE_RESTART_INTENSITY,
          periodMs: config.ORDERLY_SOURCE_RESTART_PERIOD_MS,
          backoff: { baseMs: config.ORDERLY_RETRY_BASE_MS, maxMs: config.ORDERLY_RETRY_MAX_MS },
          clock,
          log,
          onEscalated: (error) => sources.fail(error),
        });

  let draining: Promise<void> | undefined;
  const drain = (timeoutMs: number) =>
    (draining ??= (async () => {
      const deadline = clock.now() + timeoutMs;
      intake.abort(); // the source stops fetching; deliveries in flight still settle
      if (!(await closedWithin(subscription, timeoutMs))) {
        log.warn({ timeoutMs }, 'shutdown deadline passed; unsettled deliveries go back to the broker');
      }
      subscription.unsubscribe();
      consuming = false;
      registry.stop();
      // Nothing new reaches the outbox now; publish what it holds while the broker is still open.
      await outboxRelay?.stop({ drainMs: Math.max(0, deadline - clock.now()) });
      // Then the tree, in reverse order: the sources (whatever they still hold goes back to the
      // broker), the relay and the registry (stopped already). A caller's tree is the caller's.
      supervisor?.stop();
    })());
  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs: number) =>
    (stopping ??= (async () => {
      await drain(timeoutMs);
      // Each closes even when another fails: a stuck broker must not keep the store open.
      const closed = await Promise.allSettled([...owned.map((gateway) => gateway.close()), deadLetters.close(), Promise.resolve(ownedStore?.close?.())]);
      for (const result of closed) if (result.status === 'rejected') log.warn({ err: result.reason }, 'closing failed');
      changes.complete();
      settled.complete();
    })());
  const abandon = () => {
    intake.abort();
    subscription.unsubscribe();
    supervisor?.stop();
    consuming = false;
    registry.stop();
    outboxRelay?.abandon();
  };

  return {
    publisher,
    store,
    registry,
    get outboxRelay() {
      return outboxRelay;
    },
    inFlight,
    outboxBacklog: async () => (outbox ? outbox.outboxBacklog() : 0),
    changes$: changes.asObservable(),
    live,
    settled$: settled.asObservable(),
    get consuming() {
      return consuming;
    },
    drain,
    sourcesDown: sources.down,
    sourcesReady: sources.ready,
    tree,
    supervisor,
    fail: (error) => sources.fail(error),
    deadLetters,
    gateways,
    stop,
    abandon,
  };
}

/** True when the subscription closes by itself (the source completed after draining), false at the deadline. */
function closedWithin(subscription: Subscription, timeoutMs: number): Promise<boolean> {
  if (subscription.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    subscription.add(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A URL fit for a log line or an error: whatever stands before `@` is hidden. */
const withoutCredentials = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

/** The setting that says where a source is, for error messages. */
function where(name: SourceName, config: Config): string {
  switch (name) {
    case 'memory':
      return 'embedded';
    case 'kafka':
      return `KAFKA_BROKERS=${config.KAFKA_BROKERS.join(',')}`;
    case 'rabbitmq':
      return `AMQP_URL=${withoutCredentials(config.AMQP_URL)}`;
    case 'nats':
    case 'nats-core':
      return `NATS_URL=${config.NATS_URL.join(',')}`;
    case 'redis':
    case 'redis-list':
      return `REDIS_URL=${withoutCredentials(config.REDIS_URL)}`;
  }
}

/** A source named in ORDERLY_SOURCES could not be reached at start. */
export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
  constructor(
    readonly source: SourceName,
    readonly location: string,
    options: { cause: unknown },
  ) {
    super(`${source} (${location}) is unreachable: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/** The store `ORDERLY_STORE` names. */
function createOrderStore(config: Config): OrderStore & { close?(): Promise<void> } {
  switch (config.ORDERLY_STORE) {
    case 'memory':
      return createMemoryOrderStore({
        maxOrders: config.ORDERLY_MEMORY_MAX_ORDERS,
        compact: config.ORDERLY_MEMORY_COMPACT,
        maxOutboxPending: config.ORDERLY_OUTBOX_MAX_PENDING,
      });
    case 'redis':
      return createRedisOrderStore({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX, maxOutboxPending: config.ORDERLY_OUTBOX_MAX_PENDING });
  }
}
