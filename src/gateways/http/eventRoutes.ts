import type { FastifyInstance } from 'fastify';
import { decodeEnvelope } from '../../domain/decodeEnvelope.js';
import { encodeStructured } from '../../domain/encodeEnvelope.js';
import type { HttpServerDeps } from './createHttpServer.js';

type EventRouteDeps = Pick<HttpServerDeps, 'sink' | 'channel' | 'now' | 'newId' | 'defaultCurrency' | 'maxBodyBytes'>;

/**
 * `POST /events` takes any CloudEvent in the HTTP binding — structured
 * (`application/cloudevents+json`) or binary (`ce-*` headers) — validates it exactly as the
 * pipeline would, and publishes it on the keyed channel. Registered in its own
 * scope because it reads the raw bytes, not a parsed body. Producers' route: it needs the
 * `producer` or `admin` role (`403` for a user), since an event may touch anyone's order.
 */
export function registerEventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/events', { config: { roles: ['producer'] } }, async (request, reply) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name.toLowerCase(), value]] : [])),
    );
    const structured = (headers['content-type'] ?? '').startsWith('application/cloudevents+json');
    if (!structured && headers['ce-specversion'] === undefined) {
      return reply.code(415).send({
        error: 'not_a_cloudevent',
        message: 'send a CloudEvent: Content-Type application/cloudevents+json, or ce-* headers with a JSON body',
      });
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const decoded = decodeEnvelope(
      { body, headers },
      {
        channel: '',
        coordinates: {},
        gateway: 'http',
        defaultCurrency: deps.defaultCurrency,
        maxBodyBytes: deps.maxBodyBytes,
        now: deps.now,
        newId: deps.newId,
      },
    );
    if (!decoded.ok) return reply.code(400).send({ error: decoded.code, message: decoded.message });
    const { envelope } = decoded;
    await deps.sink.publish(deps.channel, encodeStructured(envelope));
    return reply
      .code(202)
      .header('x-correlation-id', envelope.correlationId)
      .send({ id: envelope.id, orderId: envelope.key, correlationId: envelope.correlationId, status: 'accepted' });
  });
}
