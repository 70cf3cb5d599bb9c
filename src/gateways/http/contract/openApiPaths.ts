import { DEAD_LETTER_CODES } from '../dlqRoutes.js';
import { schemaRef } from './cloudEventSchemas.js';
import type { RegisteredEvent } from './eventSchemaRegistry.js';

/** Marks the one path that is a WebSocket upgrade on the server, not a route of the HTTP framework. */
export const WEBSOCKET_EXTENSION = 'x-websocket';

const body = (schema: object, type = 'application/json') => ({ content: { [type]: { schema } } });
const ok = (description: string, id: string, headers?: object) => ({ description, ...body(schemaRef(id)), ...(headers ? { headers } : {}) });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), { $ref: `#/components/responses/${code}` }]));
const path = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const query = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, schema, description });
const header = (name: string, description: string) => ({ name, in: 'header', required: false, schema: { type: 'string' }, description });
const open = { security: [] };
const correlation = header('X-Correlation-Id', 'Carried as the event’s correlation id (`correlation_id` works too); made up when absent.');
const correlationOut = { 'X-Correlation-Id': { schema: { type: 'string' }, description: 'The correlation id the event carries.' } };
const filters = [
  query('reason', 'Only this reason.', { type: 'string', enum: DEAD_LETTER_CODES }),
  query('type', 'Only this event type.'),
  query('order', 'Only this order id.'),
  query('limit', 'At most this many, newest first.', { type: 'integer', minimum: 1 }),
];
const realtime = [query('ticket', 'From `POST /realtime/ticket`, for browsers; or send `Authorization: Bearer`.')];

/**
 * Every HTTP route Orderly serves. The request bodies that Orderly validates with a zod schema
 * refer to that schema's component; `events` are every version of every type `POST /events` takes.
 */
export function openApiPaths(events: readonly RegisteredEvent[]): Record<string, unknown> {
  const anyVersion = (id: (event: RegisteredEvent) => string) => ({ anyOf: events.map((event) => schemaRef(id(event))) });
  return {
    '/healthz': { get: { operationId: 'health', summary: 'The process is alive.', ...open, responses: { 200: ok('Alive.', 'Health') } } },
    '/readyz': {
      get: {
        operationId: 'readiness',
        summary: 'Whether to send traffic here, one named check each (every source consuming, not draining).',
        ...open,
        responses: { 200: ok('Ready.', 'Readiness'), 503: ok('Not ready; the checks say why.', 'Readiness') },
      },
    },
    '/': { get: { operationId: 'dashboardPage', summary: 'The live dashboard (admins): the supervision tree, orders by status, rates per source, dead letters with replay. Holds no data itself.', ...open, responses: { 200: { description: 'HTML.', ...body({ type: 'string' }, 'text/html') } } } },
    '/dashboard/state': {
      get: {
        operationId: 'dashboardState',
        summary: 'What the dashboard shows, as JSON (admins only).',
        responses: { 200: { description: 'The state.', ...body({ type: 'object' }) }, ...errors(401, 403) },
      },
    },
    '/dashboard/stream': {
      get: {
        operationId: 'dashboardStream',
        summary: 'The dashboard state as Server-Sent Events (`event: state`), once a second (admins only).',
        parameters: realtime,
        security: [{ ticket: [] }],
        responses: { 200: { description: 'The stream.', ...body({ type: 'string' }, 'text/event-stream') }, ...errors(401, 403, 503) },
      },
    },
    '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics (text format 0.0.4): deliveries, latency, in-flight, Kafka lag, order actors, supervisors, hub, tasks, outbox, Node.', ...open, responses: { 200: { description: 'The exposition text.', ...body({ type: 'string' }, 'text/plain') } } } },
    '/live': { get: { operationId: 'livePage', summary: 'A page that follows your orders over WebSocket and SSE.', ...open, responses: { 200: { description: 'HTML.', ...body({ type: 'string' }, 'text/html') } } } },
    '/asyncapi.json': { get: { operationId: 'asyncApi', summary: 'The AsyncAPI 3 document of the events Orderly consumes and publishes.', ...open, responses: { 200: { description: 'AsyncAPI 3.', ...body({ type: 'object' }) } } } },
    '/openapi.json': { get: { operationId: 'openApi', summary: 'This document.', ...open, responses: { 200: { description: 'OpenAPI 3.1.', ...body({ type: 'object' }) } } } },
    '/orders': {
      post: {
        operationId: 'createOrder',
        summary: 'Publishes an `order.created`; answered once the broker has it. A user orders for themself only.',
        parameters: [header('Idempotency-Key', 'Becomes the event id, so a retried request creates one order.'), correlation],
        requestBody: { required: true, ...body(schemaRef('OrderDraft')) },
        responses: {
          202: ok('Accepted; the order appears at `Location` once applied.', 'OrderAccepted', { Location: { schema: { type: 'string' } }, ...correlationOut }),
          ...errors(400, 401, 403, 503),
        },
      },
    },
    '/orders/{id}': {
      get: {
        operationId: 'getOrder',
        summary: "An order, with its recent history. Another user's order is 404, as a missing one.",
        parameters: [path('id', 'The order id.')],
        responses: { 200: ok('The order.', 'Order'), ...errors(401, 404) },
      },
    },
    '/events': {
      post: {
        operationId: 'publishEvent',
        summary: 'Takes any CloudEvent in the HTTP binding, validates it as the pipeline would and publishes it. Producers and admins.',
        description: 'Structured mode: `Content-Type: application/cloudevents+json`. Binary mode: `ce-*` headers and the data as a JSON body.',
        parameters: [header('ce-specversion', 'Binary mode: `1.0`; then `ce-id`, `ce-source` and `ce-type` are required too.')],
        requestBody: {
          required: true,
          content: { 'application/cloudevents+json': { schema: anyVersion((event) => event.structuredId) }, 'application/json': { schema: anyVersion((event) => event.dataId) } },
        },
        responses: { 202: ok('Accepted and on the broker.', 'EventAccepted', correlationOut), ...errors(400, 401, 403, 503), 415: { $ref: '#/components/responses/415' } },
      },
    },
    '/realtime/ticket': {
      post: {
        operationId: 'issueTicket',
        summary: 'Trades the bearer token for a short-lived, single-use ticket for `/ws` or `/events/stream`.',
        responses: { 200: ok('The ticket; `Cache-Control: no-store`.', 'Ticket'), ...errors(401) },
      },
    },
    '/tasks': {
      post: {
        operationId: 'createTask',
        summary: 'Queues a job: `email` (a user for their own orders; `to` for admins only) or `report` (admins).',
        parameters: [correlation],
        requestBody: { required: true, ...body(schemaRef('TaskRequest')) },
        responses: { 202: ok('Queued; follow `Location`.', 'TaskQueued', { Location: { schema: { type: 'string' } } }), ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/tasks/{id}': {
      get: { operationId: 'getTask', summary: "A task's status and result, for its owner and admins.", parameters: [path('id', 'The task id.')], responses: { 200: ok('The task.', 'Task'), ...errors(401, 404) } },
    },
    '/dlq': {
      get: {
        operationId: 'listDeadLetters',
        summary: 'Dead letters, newest first, without their original bytes. Admins only.',
        parameters: filters,
        responses: { 200: { description: 'A page.', ...body({ type: 'object', properties: { entries: { type: 'array', items: schemaRef('DeadLetter') }, count: { type: 'integer' } } }) }, ...errors(400, 401, 403) },
      },
    },
    '/dlq/{id}': {
      get: { operationId: 'getDeadLetter', summary: 'One dead letter, with its original message and context. Admins only.', parameters: [path('id', 'The entry id.')], responses: { 200: ok('The entry.', 'DeadLetter'), ...errors(401, 403, 404) } },
      delete: {
        operationId: 'deleteDeadLetter',
        summary: "Forgets a dead letter (idempotent); the broker's copy stays. Admins only.",
        parameters: [path('id', 'The entry id.')],
        responses: { 200: { description: '`deleted`: whether it was there.', ...body({ type: 'object', properties: { deleted: { type: 'boolean' } } }) }, ...errors(401, 403) },
      },
    },
    '/dlq/{id}/replay': {
      post: {
        operationId: 'replayDeadLetter',
        summary: 'Re-publishes the original message to its original channel (same bytes, same id), then forgets the entry. Admins only.',
        parameters: [path('id', 'The entry id.')],
        responses: { 200: { description: 'Replayed.', ...body({ type: 'object', properties: { replayed: schemaRef('Replayed') } }) }, ...errors(401, 403, 404, 503) },
      },
    },
    '/dlq/replay': {
      post: {
        operationId: 'replayDeadLetters',
        summary: 'Replays one page of dead letters that match the filter, oldest first; `{"all": true}` without one. Admins only.',
        requestBody: { required: true, ...body({ type: 'object', properties: { reason: { type: 'string', enum: DEAD_LETTER_CODES }, type: { type: 'string' }, order: { type: 'string' }, limit: { type: 'integer', minimum: 1 }, all: { type: 'boolean' } } }) },
        responses: {
          200: { description: 'What was replayed and what failed.', ...body({ type: 'object', properties: { replayed: { type: 'array', items: schemaRef('Replayed') }, failed: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, error: { type: 'string' } } } } } }) },
          ...errors(400, 401, 403),
        },
      },
    },
    '/events/stream': {
      get: {
        operationId: 'streamEvents',
        summary: 'One topic as Server-Sent Events (`order:<id>`, `user:<id>`, `admin:all`); `Last-Event-ID` resumes after that sequence number.',
        parameters: [query('topic', 'The topic to follow.'), ...realtime, query('lastEventId', 'As `Last-Event-ID`, for a page that opens a new EventSource.'), header('Last-Event-ID', 'Resume after this sequence number.')],
        security: [{ bearer: [] }, { ticket: [] }],
        responses: { 200: { description: 'The stream.', ...body({ type: 'string' }, 'text/event-stream') }, ...errors(400, 401, 403, 503) },
      },
    },
    '/ws': {
      [WEBSOCKET_EXTENSION]: true,
      get: {
        operationId: 'webSocket',
        summary: 'WebSocket upgrade: subscribe to topics with `{"type":"subscribe","topic":…,"since"?:…}`, receive the same frames as the SSE stream.',
        parameters: realtime,
        security: [{ bearer: [] }, { ticket: [] }],
        responses: { 101: { description: 'Switching protocols.' }, ...errors(401, 403, 503) },
      },
    },
  };
}
