import type { FastifyInstance } from 'fastify';
import { mayRead } from '../../domain/principal.js';
import { encodeStructured, buildEnvelope } from '../../domain/encodeEnvelope.js';
import { readEventData } from '../../domain/upcast.js';
import type { HttpServerDeps } from './createHttpServer.js';
import { principalOfRequest } from './auth/index.js';

type OrderRouteDeps = Pick<HttpServerDeps, 'sink' | 'channel' | 'orders' | 'now' | 'newId' | 'defaultCurrency'>;

/**
 * `POST /orders` publishes an `order.created` and answers 202 once the broker has it; the
 * order appears at the `Location` once the pipeline has applied it. An `Idempotency-Key`
 * header becomes the event id, so a client that retries a request creates one order.
 *
 * Both routes sit behind `requireAuthentication`. A user creates orders for themself only (the
 * body's `userId` defaults to the token's `sub`; another one is `403`) and reads only their own
 * (anyone else's is `404`, exactly as a missing one, so ids do not leak); an admin does both for
 * everyone.
 */
export function registerOrderRoutes(app: FastifyInstance, deps: OrderRouteDeps): void {
  app.post('/orders', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reply.code(400).send({ error: 'validation', message: 'body must be a JSON object', issues: [] });
    }
    const principal = principalOfRequest(request);
    const draft = body as Record<string, unknown>;
    const data = {
      ...draft,
      userId: draft.userId ?? principal.userId,
      orderId: draft.orderId ?? deps.newId(),
      currency: draft.currency ?? deps.defaultCurrency,
      timestamp: draft.timestamp ?? new Date(deps.now()).toISOString(),
    };
    const checked = readEventData('order.created', 2, data, { defaultCurrency: deps.defaultCurrency });
    if (!checked.ok) return reply.code(400).send({ error: checked.code, message: checked.message, issues: checked.issues });
    if (!mayRead(principal, checked.data.userId)) {
      return reply.code(403).send({ error: 'forbidden', message: `a ${principal.role} token for ${principal.userId} may create orders only for ${principal.userId}` });
    }

    const correlationId = request.id; // the caller's x-correlation-id, or a fresh one (createHttpServer)
    const idempotencyKey = request.headers['idempotency-key'];
    const envelope = buildEnvelope({
      type: 'order.created',
      data: checked.data,
      id: typeof idempotencyKey === 'string' && idempotencyKey !== '' ? idempotencyKey : deps.newId(),
      correlationId,
      source: '/orderly/http',
      occurredAt: new Date(deps.now()).toISOString(),
    });
    await deps.sink.publish(deps.channel, encodeStructured(envelope));
    return reply
      .code(202)
      .header('location', `/orders/${encodeURIComponent(envelope.key)}`)
      .header('x-correlation-id', correlationId)
      .send({ orderId: envelope.key, correlationId, status: 'accepted' });
  });

  app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
    const record = await deps.orders.load(request.params.id);
    if (!record?.view || !mayRead(principalOfRequest(request), record.view.userId)) {
      return reply.code(404).send({ error: 'not_found', message: `no order ${request.params.id}` });
    }
    const { view } = record;
    return {
      orderId: view.orderId,
      userId: view.userId,
      status: record.status,
      items: view.items,
      totalCents: view.totalCents,
      currency: view.currency,
      version: record.version,
      payment: view.payment,
      cancellation: view.cancellation,
      shipment: view.shipment,
      history: record.history,
    };
  });
}
