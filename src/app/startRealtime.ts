import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClusterBus } from '../actors/hub/clusterBus.js';
import { createSupervisedHub, type Hub } from '../actors/hub/createHub.js';
import type { ChildSpec } from '../actors/supervision/index.js';
import { orderChangeMessage } from '../actors/hub/orderChangeMessage.js';
import type { OrderChange } from '../actors/decideOrder.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { within } from '../domain/within.js';
import type { HttpAuth } from '../gateways/http/auth/index.js';
import { createMemoryClusterBus } from '../gateways/memory/createMemoryClusterBus.js';
import { createNatsClusterBus } from '../gateways/nats/createNatsClusterBus.js';
import { createRedisClusterBus } from '../gateways/redis/createRedisClusterBus.js';
import { registerSseRoutes } from '../gateways/sse/registerSseRoutes.js';
import { attachWebSocketGateway, type WebSocketGateway } from '../gateways/websocket/attachWebSocketGateway.js';
import type { Config } from './config.js';
import type { Pipeline } from './startPipeline.js';

export interface Realtime {
  readonly hub: Hub;
  /** The hub's place in Orderly's supervision tree: until a supervisor starts it, clients are refused with 1001. */
  readonly hubChild: ChildSpec;
  /** The cluster bus the hub delivers from: other producers of live messages (task progress) publish on it. */
  readonly bus: ClusterBus;
  /** Closes every client (1001), stops publishing changes and closes the bus. Idempotent. */
  close(): Promise<void>;
}

/** The hub bus could not be reached at start. */
export class HubBusUnavailableError extends Error {
  override readonly name = 'HubBusUnavailableError';
}

/**
 * The real-time side: applied changes → the cluster bus (which numbers them) → every instance's
 * hub → its WebSocket (`/ws`) and SSE (`/events/stream`) sessions. Called before the HTTP server
 * listens, so the SSE route is registered and upgrades are handled from the first request.
 */
export async function startRealtime(
  config: Config,
  deps: { pipeline: Pipeline; http: FastifyInstance; auth: HttpAuth; logger: Logger; clock?: Clock },
): Promise<Realtime> {
  const { pipeline, http, auth, logger } = deps;
  const clock = deps.clock ? { clock: deps.clock } : {};
  const bus = await createHubBus(config, logger);
  const { hub, child: hubChild } = createSupervisedHub({
    bus,
    ...clock,
    orderOwner: async (orderId) => (await pipeline.store.load(orderId))?.view?.userId,
    orderSnapshot: async (orderId) => {
      const record = await pipeline.store.load(orderId);
      return record?.view && { ...record.view, status: record.status };
    },
    limits: {
      historyPerTopic: config.ORDERLY_HUB_HISTORY,
      maxTopics: config.ORDERLY_HUB_MAX_TOPICS,
      maxSessions: config.ORDERLY_HUB_MAX_SESSIONS,
      maxSubscriptions: config.ORDERLY_HUB_MAX_SUBSCRIPTIONS,
      sendQueueFrames: config.ORDERLY_HUB_SEND_QUEUE,
      maxBufferedBytes: config.ORDERLY_HUB_MAX_BUFFERED_BYTES,
      rateBurst: config.ORDERLY_HUB_RATE_BURST,
      ratePerSecond: config.ORDERLY_HUB_RATE_PER_SECOND,
    },
  });

  // Changes are published in the order they were applied (the bus numbers them in that order),
  // and their deliveries are acked once the bus has them: a change that dies with the process
  // unpublished is announced again by its redelivery. Bounded both ways: past
  // ORDERLY_HUB_MAX_PENDING on their way, or ORDERLY_HUB_PUBLISH_TIMEOUT_MS of waiting, a change
  // is not sent live, and says so (a client that missed it resumes and gets the order's snapshot);
  // a slow or lost bus never holds up the orders.
  let inFlight = 0;
  const publishChange = (change: OrderChange): Promise<unknown> => {
    if (inFlight >= config.ORDERLY_HUB_MAX_PENDING) {
      logger.warn({ orderId: change.view.orderId, inFlight }, 'hub bus saturated: change not sent live');
      return Promise.resolve();
    }
    inFlight++;
    return bus
      .publish(orderChangeMessage(change))
      .catch((error: unknown) => logger.warn({ err: error, orderId: change.view.orderId }, 'hub bus refused a change: not sent live'))
      .finally(() => inFlight--);
  };
  const detach = pipeline.live.attach(async (changes) => {
    const published = Promise.all(changes.map(publishChange));
    let timedOut = true;
    await within(deps.clock ?? systemClock, published.then(() => (timedOut = false)), config.ORDERLY_HUB_PUBLISH_TIMEOUT_MS);
    if (timedOut) logger.warn({ orderId: changes[0]?.view.orderId, inFlight }, 'hub bus slow: change acked before the bus took it');
  });

  const realtimeAuth = { hub, authenticate: auth.authenticateRealtimeRequest, originAllowed: auth.originAllowedRequest, ...clock };
  registerSseRoutes(http, { ...realtimeAuth, options: { heartbeatMs: config.ORDERLY_SSE_HEARTBEAT_MS } });
  const ws: WebSocketGateway = attachWebSocketGateway({
    server: http.server,
    ...realtimeAuth,
    options: { maxPayloadBytes: config.ORDERLY_WS_MAX_PAYLOAD_BYTES, heartbeatMs: config.ORDERLY_WS_HEARTBEAT_MS },
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      detach();
      await hub.stop();
      await ws.close();
      await bus.close();
    })());
  return { hub, hubChild, bus, close };
}

/** The bus of `ORDERLY_HUB_BUS`; an unreachable Redis or NATS stops the start, naming it. */
async function createHubBus(config: Config, logger: Logger): Promise<ClusterBus> {
  switch (config.ORDERLY_HUB_BUS) {
    case 'memory':
      return createMemoryClusterBus({ maxPending: config.ORDERLY_HUB_MAX_PENDING });
    case 'redis': {
      const bus = createRedisClusterBus({ url: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX }, { log: logger });
      return whenReady(bus, 'ORDERLY_HUB_BUS=redis (REDIS_URL)');
    }
    case 'nats': {
      const stream = config.ORDERLY_HUB_NATS_STREAM;
      // One subject per stream: two streams may not capture the same subject.
      const bus = createNatsClusterBus({ servers: config.NATS_URL, stream, subject: `orderly.hub.${stream}` }, { log: logger });
      return whenReady(bus, 'ORDERLY_HUB_BUS=nats (NATS_URL)');
    }
  }
}

async function whenReady<B extends ClusterBus & { ready(): Promise<void> }>(bus: B, where: string): Promise<B> {
  // `ready()` resolves once the bus listens; subscribing is what starts it.
  const started = bus.messages$.subscribe({ error: () => undefined });
  try {
    await bus.ready();
    return bus;
  } catch (error) {
    await bus.close();
    throw new HubBusUnavailableError(`the hub bus is unreachable: ${where}`, { cause: error });
  } finally {
    started.unsubscribe();
  }
}
