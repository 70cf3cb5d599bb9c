import { z } from 'zod';
import { TASK_STATUSES } from '../../../actors/taskStore.js';
import { CURRENT_VERSION } from '../../../domain/orderEvents.js';
import { DEAD_LETTER_CODES } from '../dlqRoutes.js';
import { TASK_TYPES } from '../taskRoutes.js';
import { componentSchemas, dateTime, type JsonSchema, type SchemaRegistry } from './cloudEventSchemas.js';
import { MissingEventSchemaError, registerEventSchemas, type RegisteredEvent } from './eventSchemaRegistry.js';
import { ORDER_STATUSES } from './statusChangedSchema.js';

export type TaskType = (typeof TASK_TYPES)[number];

/**
 * What the HTTP routes answer with. The routes build these bodies by hand and have no schema of
 * their own, so these are written from the route files; the request bodies that do have one
 * (events, task payloads) are generated from it instead.
 */
const text = z.string();
const responses = {
  Error: z.object({
    error: text.describe('Machine-readable code: `validation`, `unauthorized`, `forbidden`, `not_found`, `unavailable`, `draining`…'),
    message: text,
    issues: z.array(z.object({ path: text, message: text })).optional().describe('Each invalid field, for `validation`.'),
  }),
  Health: z.object({ status: z.literal('ok') }),
  Readiness: z.object({ ready: z.boolean(), checks: z.record(text, z.object({ ok: z.boolean(), detail: text.optional() })) }),
  OrderAccepted: z.object({ orderId: text, correlationId: text, status: z.literal('accepted') }),
  EventAccepted: z.object({ id: text, orderId: text, correlationId: text, status: z.literal('accepted') }),
  Order: z.object({
    orderId: text,
    userId: text,
    status: z.enum(ORDER_STATUSES),
    items: z.array(z.object({ productId: text, quantity: z.number().int(), priceCents: z.number().int() })),
    totalCents: z.number().int(),
    currency: text,
    version: z.number().int().describe('Events applied so far.'),
    payment: z.object({ paymentId: text, amountCents: z.number().int() }).optional(),
    cancellation: z.object({ reason: text, refundDue: z.boolean() }).optional(),
    shipment: z.object({ carrier: text, trackingNumber: text }).optional(),
    history: z.array(z.object({ eventId: text, type: text, status: z.enum(ORDER_STATUSES), at: dateTime, correlationId: text })),
  }),
  Ticket: z.object({ ticket: text.describe('Single use: `?ticket=` on `/ws` or `/events/stream`.'), expiresInMs: z.number().int() }),
  TaskQueued: z.object({ taskId: text, status: z.literal('queued') }),
  Task: z.object({
    taskId: text,
    type: text,
    status: z.enum(TASK_STATUSES),
    attempts: z.number().int(),
    result: z.unknown().optional(),
    error: text.optional(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  DeadLetter: z.object({
    id: text,
    reason: z.enum(DEAD_LETTER_CODES as [string, ...string[]]),
    message: text,
    error: text.optional(),
    attempts: z.number().int(),
    firstFailedAt: dateTime,
    lastFailedAt: dateTime,
    correlationId: text.optional(),
    eventId: text.optional(),
    eventType: text.optional(),
    orderKey: text.optional(),
    origin: z.object({ gateway: text, channel: text, coordinates: z.record(text, text), attempt: z.number().int() }),
    original: z
      .object({ body: text.describe('Base64.'), headers: z.record(text, text), key: text.optional() })
      .optional()
      .describe('`GET /dlq/{id}` only: the message as the broker handed it over.'),
    context: z.unknown().optional().describe("`GET /dlq/{id}` only: the order's state and history when the message was parked."),
    hasContext: z.boolean().optional().describe('`GET /dlq` only.'),
  }),
  Replayed: z.object({ id: text, eventId: text.optional(), gateway: text, channel: text }),
};

export interface OpenApiSchemas {
  readonly schemas: Record<string, JsonSchema>;
  /** Every version of every event type, oldest first per type. */
  readonly events: readonly RegisteredEvent[];
}

/**
 * The OpenAPI `components.schemas`: the response bodies above, every event schema, the task
 * payloads given, and `OrderDraft` — `order.created`'s current data with what `POST /orders`
 * fills in itself made optional.
 */
export function openApiSchemas(taskPayloads: Partial<Record<TaskType, z.ZodType>>): OpenApiSchemas {
  const registry: SchemaRegistry = z.registry<{ id: string }>();
  registry.add(dateTime, { id: 'DateTime' });
  for (const [id, schema] of Object.entries(responses)) registry.add(schema, { id });
  const events = registerEventSchemas(registry);
  const payloads = TASK_TYPES.map((type) => {
    const payload = taskPayloads[type] ?? z.record(z.string(), z.unknown());
    registry.add(payload, { id: `TaskPayload.${type}` });
    return payload;
  });
  registry.add(z.object({ type: z.enum(TASK_TYPES), payload: z.union(payloads).optional().describe('As the task type asks; `{}` when left out.') }), { id: 'TaskRequest' });
  const schemas = componentSchemas(registry, 'draft-2020-12');

  const created = schemas[`order.created.v${CURRENT_VERSION['order.created']}`];
  if (created === undefined) throw new MissingEventSchemaError('order.created', CURRENT_VERSION['order.created']);
  const filledIn = new Set(['orderId', 'userId', 'currency', 'timestamp']);
  schemas['OrderDraft'] = {
    ...created,
    required: (created['required'] as string[]).filter((name) => !filledIn.has(name)),
    description: 'Left out, `orderId` is made up, `userId` is the caller, `currency` is `ORDERLY_DEFAULT_CURRENCY` and `timestamp` is now.',
  };
  return { schemas, events };
}
