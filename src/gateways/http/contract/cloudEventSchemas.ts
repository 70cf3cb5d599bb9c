import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Schemas to be published under `components.schemas`, each with the id it goes by there. */
export type SchemaRegistry = z.core.$ZodRegistry<{ id: string }>;

export const schemaRef = (id: string): { readonly $ref: string } => ({ $ref: `#/components/schemas/${id}` });

/**
 * The JSON Schema of every schema in `registry`, by id, referring to each other as
 * `#/components/schemas/<id>` (where AsyncAPI and OpenAPI both keep them). Written as a sender
 * must write it (zod's input side: before trimming and defaults). Rules JSON Schema cannot
 * express (refinements such as a known currency code) are left out, never guessed at.
 * Draft-07 is the dialect of AsyncAPI's schema objects; OpenAPI 3.1 takes 2020-12.
 */
export function componentSchemas(registry: SchemaRegistry, target: 'draft-7' | 'draft-2020-12'): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { io: 'input', target, unrepresentable: 'any', uri: (id) => schemaRef(id).$ref });
  // `$id` would rebase the references inside; `$schema` is the document's business.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
}

const attribute = z.string().min(1);
/** RFC 3339 with offset; one component, since its pattern is long. */
export const dateTime = z.iso.datetime({ offset: true });

export interface CloudEventShape {
  readonly type: string;
  readonly version: number;
  /** Whether `version` is the type's current one: only then may `dataversion` be left out. */
  readonly current: boolean;
  readonly data: z.ZodType;
}

/**
 * A structured-mode CloudEvent 1.0 (`application/cloudevents+json`) carrying one version of one
 * type, as `decodeEnvelope` reads it and `encodeStructured` writes it.
 */
export function structuredCloudEvent({ type, version, current, data }: CloudEventShape): z.ZodType {
  const dataversion = z.union([z.literal(version), z.literal(String(version))]);
  return z.object({
    specversion: z.literal('1.0'),
    id: attribute.describe('Unique per logical message; redeliveries keep it. The dedup key.'),
    source: attribute.describe('Who produced it, e.g. `/shop/checkout`.'),
    type: z.literal(type),
    time: dateTime.optional().describe("When it happened (RFC 3339 with offset); else the data's `timestamp`, else the time of receipt."),
    datacontenttype: z.string().optional().describe('`application/json` or any `…+json` media type.'),
    dataversion: (current ? dataversion.optional() : dataversion).describe(
      current ? 'Schema version of `data`; absent means this, the current one.' : 'Schema version of `data`: required for any version but the current one.',
    ),
    correlationid: attribute.optional().describe('Ties every message caused by one request together; made up when absent.'),
    partitionkey: attribute.optional().describe("Ordering key; must equal the data's `orderId`."),
    causationid: attribute.optional().describe('Id of the message that caused this one.'),
    data,
  });
}

/**
 * The headers of a binary-mode CloudEvent, whose body is the data alone. `ce_<name>` (Kafka's
 * form) and `ce-<name>` (HTTP's and NATS') are both read on every broker; `ce-` wins when both
 * are present. Without `ce_specversion` the body is a plain payload: its type is the
 * channel's name (without `ORDERLY_CHANNEL_PREFIX`) and its version the `dataversion` or
 * `version` header, else 1.
 */
export function binaryHeaders({ type, version }: Pick<CloudEventShape, 'type' | 'version'>): z.ZodType {
  return z.object({
    ce_specversion: z.literal('1.0').optional().describe('Present: binary mode, and `ce_id`, `ce_source` and `ce_type` are required.'),
    ce_id: attribute.optional(),
    ce_source: attribute.optional(),
    ce_type: z.literal(type).optional(),
    ce_time: dateTime.optional(),
    ce_dataversion: z.literal(String(version)).optional().describe('Binary mode: required for any version but the current one.'),
    ce_correlationid: attribute.optional(),
    ce_partitionkey: attribute.optional(),
    ce_causationid: attribute.optional(),
    'content-type': z.string().optional().describe('`application/json` or any `…+json`; the data must be JSON.'),
    'message-id': attribute.optional().describe('Plain mode: the message id, else derived from the broker coordinates.'),
    dataversion: z.literal(String(version)).optional().describe('Plain mode: the data version (`version` is read too).'),
    correlation_id: attribute.optional().describe('Read when the event names no correlation id (`x-correlation-id` too).'),
  });
}

/** The plain headers `encodeStructured` puts beside a structured event, for tools that do not read CloudEvents. */
export const structuredHeaders = z.object({
  'content-type': z
    .string()
    .optional()
    .describe('`application/cloudevents+json`; without it, a JSON body with a `specversion` member is read as structured too.'),
  correlation_id: attribute.optional(),
  'message-id': attribute.optional(),
});
