import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { OrderStore } from '../../actors/orderStore.js';
import type { Sink } from '../../streams/source.js';
import { registerEventRoutes } from './eventRoutes.js';
import { registerHealthRoutes, type Readiness } from './healthRoutes.js';
import { registerOrderRoutes } from './orderRoutes.js';

export interface HttpServerDeps {
  /** Where accepted events are published; a request is answered only once the broker has the event. */
  readonly sink: Sink;
  /** The channel every accepted event goes to: a keyed one, so an order's events stay in order. */
  readonly channel: string;
  /** Read side for `GET /orders/:id`. */
  readonly orders: Pick<OrderStore, 'load'>;
  readonly readiness: () => Readiness;
  readonly now: () => number;
  readonly newId: () => string;
  readonly defaultCurrency: string;
  /** Largest request body; the same bound as for broker events. */
  readonly maxBodyBytes: number;
  readonly logger?: FastifyBaseLogger;
}

/**
 * The HTTP gateway: the public API of issue 1. It turns requests into CloudEvents on the
 * broker and reads orders from the store; it never talks to an actor.
 */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: deps.maxBodyBytes,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Keep-alive sockets would hold shutdown for their idle timeout; close them with the server.
    forceCloseConnections: 'idle',
  });
  registerHealthRoutes(app, deps.readiness);
  registerOrderRoutes(app, deps);
  void app.register(async (scope) => registerEventRoutes(scope, deps));
  return app;
}
