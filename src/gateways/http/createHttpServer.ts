import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { OrderStore } from '../../actors/orderStore.js';
import type { Sink } from '../../streams/source.js';
import { requireAuthentication, type HttpAuth } from './auth/index.js';
import { correlationIdOf } from './correlationId.js';
import { registerEventRoutes } from './eventRoutes.js';
import { registerHealthRoutes, type Readiness } from './healthRoutes.js';
import { registerLiveRoutes } from './liveRoutes.js';
import { registerOrderRoutes } from './orderRoutes.js';
import { registerTicketRoutes } from './ticketRoutes.js';

export interface HttpServerDeps {
  /** Where accepted events are published; a request is answered only once the broker has the event. */
  readonly sink: Sink;
  /** The channel every accepted event goes to: a keyed one, so an order's events stay in order. */
  readonly channel: string;
  /** Read side for `GET /orders/:id`. */
  readonly orders: Pick<OrderStore, 'load'>;
  readonly readiness: () => Readiness;
  /** Bearer tokens for the API and tickets for the real-time endpoints. */
  readonly auth: Pick<HttpAuth, 'verifyAuthorization' | 'issueTicket'>;
  readonly now: () => number;
  readonly newId: () => string;
  readonly defaultCurrency: string;
  /** Largest request body; the same bound as for broker events. */
  readonly maxBodyBytes: number;
  readonly logger?: FastifyBaseLogger;
}

/**
 * The HTTP gateway: the public API of issue 1. It turns requests into CloudEvents on the
 * broker and reads orders from the store; it never talks to an actor. Health stays open; the
 * API proper lives in one scope behind `requireAuthentication`, so a route added there is
 * protected without anyone remembering to. Routes registered later on the returned instance
 * (the SSE stream) are outside that scope and do their own checks.
 */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: deps.maxBodyBytes,
    // The request id is the correlation id: the caller's `x-correlation-id` when it is one we can
    // carry, a fresh one otherwise. It names the request's log lines, goes with what the request
    // publishes, and comes back on every answer (the hook below); log lines name it `reqId`.
    requestIdHeader: false,
    genReqId: (request) => correlationIdOf(request.headers) ?? deps.newId(),
    ...(deps.logger ? { loggerInstance: withoutTickets(deps.logger) } : { logger: false }),
    // Keep-alive sockets would hold shutdown for their idle timeout; close them with the server.
    forceCloseConnections: 'idle',
  });
  app.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('x-correlation-id')) reply.header('x-correlation-id', request.id);
  });
  registerHealthRoutes(app, deps.readiness);
  registerLiveRoutes(app);
  void app.register(async (api) => {
    requireAuthentication(api, deps.auth);
    registerOrderRoutes(api, deps);
    registerTicketRoutes(api, deps.auth);
    await api.register(async (scope) => registerEventRoutes(scope, deps));
  });
  return app;
}

/**
 * The request logger with `?ticket=` masked: a ticket in a URL is a credential, if a short-lived
 * single-use one. Same fields as fastify's own request serializer otherwise.
 */
function withoutTickets(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger.child(
    {},
    {
      serializers: {
        req: (req: { method?: string; url?: string; host?: string; ip?: string; headers?: Record<string, unknown>; socket?: { remotePort?: number } }) => ({
          method: req.method,
          url: req.url?.replace(/([?&]ticket=)[^&#]*/gi, '$1***'),
          version: req.headers?.['accept-version'],
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
  );
}
