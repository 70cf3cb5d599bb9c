import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { OrderScan } from '../actors/jobs/orderScan.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { createHttpAuth, randomJwtSecret, type HttpAuth } from '../gateways/http/auth/index.js';
import { createHttpServer } from '../gateways/http/createHttpServer.js';
import { registerDashboardRoutes } from '../gateways/http/dashboard/registerDashboardRoutes.js';
import { registerDlqRoutes } from '../gateways/http/dlqRoutes.js';
import { registerContractRoutes } from '../gateways/http/contract/contractRoutes.js';
import { emailInput } from '../actors/jobs/emailJob.js';
import { reportInput } from '../actors/jobs/reportJob.js';
import { orderlyVersion } from './orderlyVersion.js';
import { createDashboardState } from './dashboardState.js';
import type { Readiness } from '../gateways/http/healthRoutes.js';
import { createMemoryDedupStore } from '../gateways/memory/createMemoryDedupStore.js';
import { createRedisDedupStore } from '../gateways/redis/createRedisDedupStore.js';
import type { DedupStore } from '../streams/dedupStore.js';
import type { Config } from './config.js';
import type { Actor } from 'xstate';
import type { SupervisorLogic } from '../actors/supervision/index.js';
import { startPipeline, TREE_RESTART_INTENSITY, type Pipeline, type PipelineDeps } from './startPipeline.js';
import { readinessOf } from './readiness.js';
import { startInspector } from './startInspector.js';
import { createMetrics, metricsOptionsFor, registerMetricsRoute, type Metrics } from './metrics/index.js';
import { watchKafkaLag } from './watchKafkaLag.js';
import { startTopSupervisor } from './startSupervisor.js';
import { startJobs, type Jobs } from './startJobs.js';
import { startRealtime, type Realtime } from './startRealtime.js';

export interface OrderlyDeps {
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * Called once if Orderly fails for good while running (a source failed past its supervisor's
   * intensity): it is no longer consuming and should be stopped, and the process exit non-zero.
   */
  readonly onFatal?: (error: unknown) => void;
  /** The order store, for tests that hold or fail writes. @default the store `ORDERLY_STORE` names */
  readonly store?: PipelineDeps['store'];
}

export interface Orderly {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly pipeline: Pipeline;
  /**
   * Tokens, tickets and the Origin check: what the WebSocket upgrade and the SSE route call
   * (`authenticateRealtimeRequest`, `originAllowedRequest`), and what `npm start` signs its
   * printed tokens with.
   */
  readonly auth: HttpAuth;
  /** The hub behind `/ws` and `/events/stream`. */
  readonly realtime: Realtime;
  /** The job pool behind `POST /tasks`. */
  readonly jobs: Jobs;
  /**
   * The root of the supervision tree, children in start order (they stop in reverse):
   * `registry` (the order actors), `outbox` (the relay, when status events are on), `hub`, `jobs`
   * (the job pool and the paid-order emails), `gateways` (one child per source). Its snapshot
   * holds each child's state and restart count.
   */
  readonly root: Actor<SupervisorLogic>;
  /** The Prometheus metrics behind `GET /metrics`. */
  readonly metrics: Metrics;
  /** The Stately inspector's page (loopback only) when `ORDERLY_INSPECT` is on. */
  readonly inspectorUrl: string | undefined;
  readiness(): Readiness;
  /** Stops intake, lets in-flight work finish within the shutdown deadline, closes everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that knows every room. It starts the pipeline, puts
 * the HTTP API in front of it, and tears both down in reverse order.
 */
export async function createOrderly(config: Config, deps: OrderlyDeps): Promise<Orderly> {
  const now = () => (deps.clock ?? Date).now();
  const newId = deps.newId ?? (() => crypto.randomUUID());
  if (config.ORDERLY_JWT_SECRET === undefined) {
    // Secure by default: with a secret nobody knows, no token gets in. `npm start` makes the
    // secret itself and prints tokens; this is for embedders who forgot to give one.
    deps.logger.warn('ORDERLY_JWT_SECRET is unset: using a random secret for this run, so no token made elsewhere is accepted');
  }
  // Several supervisors may give up in the same moment (one broker under both): tell the app once.
  const onFatal = deps.onFatal && once(deps.onFatal);
  // The inspector first, so that every actor, from the first one made, is seen.
  const inspection = config.ORDERLY_INSPECT ? await startInspector(config.ORDERLY_INSPECT_PORT) : undefined;
  const metrics = createMetrics(metricsOptionsFor(config));
  const tickets = createTicketStore(config, deps);
  const auth = createHttpAuth(
    {
      secret: config.ORDERLY_JWT_SECRET ?? randomJwtSecret(),
      ticketTtlMs: config.ORDERLY_TICKET_TTL_MS,
      allowedOrigins: config.ORDERLY_ALLOWED_ORIGINS ?? [],
    },
    { dedup: tickets, ...(deps.clock ? { clock: deps.clock } : {}), newId },
  );
  let pipeline: Pipeline;
  try {
    pipeline = await startPipeline(config, {
      ...deps,
      supervisor: 'caller',
      countDeliveries: metrics.countReceived,
      ...(onFatal ? { onFatal } : {}),
      ...(inspection ? { inspect: inspection.inspect } : {}),
    });
  } catch (error) {
    await tickets.close?.();
    await inspection?.stop();
    await metrics.close();
    throw error;
  }
  let draining = false;

  // Kafka lag for readiness, read in the background (readiness answers at once, from the last read).
  const lagWatch = config.ORDERLY_SOURCES.includes('kafka') && config.ORDERLY_READY_MAX_KAFKA_LAG > 0 ? watchKafkaLag(config, deps.clock ?? systemClock) : undefined;
  const readiness = (): Readiness =>
    readinessOf({ config, pipeline, root: () => root, draining: () => draining, now, ...(lagWatch ? { kafkaLag: () => lagWatch.total } : {}) });

  const http = createHttpServer({
    sink: pipeline.publisher,
    channel: (config.ORDERLY_CHANNEL_PREFIX ?? '') + config.ORDERLY_PUBLISH_CHANNEL,
    orders: pipeline.store,
    readiness,
    auth,
    now,
    newId,
    defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY,
    maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
    logger: deps.logger,
  });
  // While draining, a write could not reach a broker that is being closed: refuse it plainly so
  // that the client retries against another instance. Reads (and health) still answer.
  http.addHook('onRequest', async (request, reply) => {
    if (!draining || request.method === 'GET' || request.method === 'HEAD') return;
    await reply.code(503).header('retry-after', '1').header('connection', 'close').send({ error: 'draining', message: 'shutting down; try again' });
  });
  let realtime: Realtime | undefined;
  let jobs: Jobs | undefined;
  let root: Actor<SupervisorLogic> | undefined;
  try {
    realtime = await startRealtime(config, { pipeline, http, auth, logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
    jobs = await startJobs(config, {
      logger: deps.logger,
      orders: pipeline.store,
      ...(hasScan(pipeline.store) ? { orderScan: pipeline.store } : {}),
      changes$: pipeline.changes$,
      hubBus: realtime.bus,
      statusSource: pipeline.publisher,
      auth,
      newId,
      supervisor: 'caller',
      onTaskChange: (record) => metrics.countTaskChange(record),
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    jobs.registerRoutes(http);
    registerDlqRoutes(http, pipeline.deadLetters.routeDeps({ publisher: pipeline.publisher, gateways: pipeline.gateways }, auth));
    registerContractRoutes(http, {
      version: orderlyVersion(),
      channels: config.ORDERLY_CHANNELS,
      prefix: config.ORDERLY_CHANNEL_PREFIX,
      sources: config.ORDERLY_SOURCES,
      publishTo: config.ORDERLY_PUBLISH_TO,
      publishChannel: config.ORDERLY_PUBLISH_CHANNEL,
      statusChannel: config.ORDERLY_STATUS_EVENTS ? config.ORDERLY_STATUS_CHANNEL : undefined,
      brokerUrls: { kafka: config.KAFKA_BROKERS, rabbitmq: [config.AMQP_URL], nats: config.NATS_URL, 'nats-core': config.NATS_URL, redis: [config.REDIS_URL], 'redis-list': [config.REDIS_URL] },
      taskPayloads: { email: emailInput, report: reportInput },
    });
    // The dashboard reads the root through a getter (it starts below); it stops counting when the server closes.
    const dashboard = createDashboardState({ pipeline, realtime, jobs, root: () => root });
    http.addHook('onClose', async () => dashboard.stop());
    registerDashboardRoutes(http, { auth, snapshot: () => dashboard.snapshot() });
    // One tree. What others depend on starts first: the sources last, once everything they feed
    // runs. A child that gave up (its own restarts spent) is started afresh a few times; past
    // that the root gives up, the pipeline fails, and the app shuts down with a non-zero exit.
    const { tree } = pipeline;
    root = startTopSupervisor({
      id: 'root',
      children: [tree.registry, ...(tree.outbox ? [tree.outbox] : []), realtime.hubChild, jobs.child, tree.gateways],
      intensity: TREE_RESTART_INTENSITY,
      periodMs: config.ORDERLY_SOURCE_RESTART_PERIOD_MS,
      backoff: { baseMs: config.ORDERLY_RETRY_BASE_MS, maxMs: config.ORDERLY_RETRY_MAX_MS },
      clock: deps.clock ?? systemClock,
      log: deps.logger,
      onEscalated: (error) => pipeline.fail(error),
      ...(inspection ? { inspect: inspection.inspect } : {}),
    });
    // Open, as Prometheus scrapes usually are: counts and timings, no ids or data.
    registerMetricsRoute(http, metrics);
    metrics.attach({ pipeline, hub: realtime.hub, jobs, supervisors: [root] });
    await http.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    root?.stop();
    await jobs?.stop(0);
    await realtime?.close();
    await http.close();
    await pipeline.stop(0);
    await tickets.close?.();
    await inspection?.stop();
    await lagWatch?.close();
    await metrics.close();
    throw error;
  }
  const started = realtime;
  const startedJobs = jobs;
  const startedRoot = root;
  const address = http.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // OTP order: what depends on a thing stops before the thing. Readiness fails at once, so
      // a load balancer stops sending; writes get 503 from here on (the hook below).
      draining = true;
      // Sources stop fetching; in-flight work per key finishes and is stored; offsets are
      // committed and deliveries settled, unfinished ones handed back for redelivery.
      const deadline = now() + config.ORDERLY_DRAIN_TIMEOUT_MS;
      await pipeline.drain(config.ORDERLY_DRAIN_TIMEOUT_MS);
      // Running tasks finish within what is left of the deadline, while the order store and the
      // brokers they read from are still open; the rest go back to the broker.
      await startedJobs.stop(Math.max(0, deadline - now()));
      // Only now the real-time clients (1001, SSE with a `retry:` hint): they have seen every
      // change the drain applied, and reconnect elsewhere and resume from their last seq.
      await started.close();
      await http.close(); // the remaining connections
      // The tree, in reverse start order: what is still running (the sources have completed, the
      // pool has drained, the hub has ended) stops; unsettled deliveries go back to the brokers.
      startedRoot.stop();
      await pipeline.stop(0); // drained already: closes the broker connections and the store
      await tickets.close?.();
      await inspection?.stop();
      await lagWatch?.close();
      await metrics.close(); // detaches and disconnects its Kafka admin client
    })());

  return { url: `http://${host}:${address.port}`, pipeline, auth, realtime: started, jobs: startedJobs, root: startedRoot, metrics, inspectorUrl: inspection?.url, readiness, stop };
}

/**
 * Where used tickets are remembered: beside the order state, so that with `ORDERLY_STORE=redis`
 * every instance sees a ticket used on any other and a ticket works once across the cluster.
 */
function createTicketStore(config: Config, deps: OrderlyDeps): DedupStore & { close?(): Promise<void> } {
  switch (config.ORDERLY_STORE) {
    case 'memory':
      return createMemoryDedupStore({ maxEntries: config.ORDERLY_MEMORY_MAX_TICKETS }, deps.clock ? { clock: deps.clock } : {});
    case 'redis':
      return createRedisDedupStore({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX }, deps.clock ? { clock: deps.clock } : {});
  }
}

/** The embedded store reads every order itself; for Redis the jobs make a scan of their own. */
function hasScan<S extends object>(store: S): store is S & OrderScan {
  return typeof (store as Partial<OrderScan>).scan === 'function';
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}
