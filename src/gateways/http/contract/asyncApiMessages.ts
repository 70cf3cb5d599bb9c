import { z } from 'zod';
import { CURRENT_VERSION, knownVersions, type EventType } from '../../../domain/orderEvents.js';
import { binaryHeaders, componentSchemas, dateTime, schemaRef, structuredHeaders, type SchemaRegistry } from './cloudEventSchemas.js';
import { deadLetterHeaders } from './deadLetterSchema.js';
import { registerEvent, registerEventSchemas, type RegisteredEvent } from './eventSchemaRegistry.js';
import { STATUS_CHANGED, STATUS_CHANGED_DATA_VERSION, statusChangedData } from './statusChangedSchema.js';

/** The two CloudEvents content modes: the whole event as a JSON body, or attributes in headers and the data as the body. */
export type ContentMode = 'structured' | 'binary';

/** Component id of the message for one version of one type in one mode, e.g. `order.created.v1.binary`. */
export const messageId = (type: string, version: number, mode: ContentMode): string => `${type}.v${version}.${mode}`;

export const DEAD_LETTER_MESSAGE = 'dead-letter';
export const STATUS_CHANGED_MESSAGE = messageId(STATUS_CHANGED, STATUS_CHANGED_DATA_VERSION, 'structured');

const RULES =
  'Orderly also checks rules a JSON Schema cannot state, such as a known ISO 4217 currency or a total that is the sum of the lines; ' +
  'a message that breaks any rule, or fails to decode, is dead-lettered with its reason.';

/** Component ids of every message of `type`: every version, both modes. */
export function messageIdsOf(type: EventType): string[] {
  return knownVersions(type).flatMap((version) => [messageId(type, version, 'structured'), messageId(type, version, 'binary')]);
}

/** The AsyncAPI `components`: every message, the schemas they refer to, their trait and correlation ids. */
export function messageComponents(): Record<string, unknown> {
  const registry: SchemaRegistry = z.registry<{ id: string }>();
  registry.add(dateTime, { id: 'DateTime' });
  registry.add(structuredHeaders, { id: 'StructuredHeaders' });
  registry.add(deadLetterHeaders, { id: 'DeadLetterHeaders' });
  const messages: Record<string, unknown> = {};
  for (const event of registerEventSchemas(registry)) {
    const received = event.current
      ? `Validated against this version, the current one. ${RULES}`
      : `An older version: validated against it, then upcast to v${CURRENT_VERSION[event.type]} before anything else sees it. ${RULES}`;
    messages[messageId(event.type, event.version, 'structured')] = structuredMessage(event, received);
    const binary = messageId(event.type, event.version, 'binary');
    registry.add(binaryHeaders(event), { id: `${binary}.headers` });
    messages[binary] = {
      name: event.type,
      title: `${event.type} v${event.version}, binary mode`,
      description: `The attributes in \`ce_*\` headers, the data alone as the JSON body. ${received}`,
      contentType: 'application/json',
      headers: schemaRef(`${binary}.headers`),
      payload: schemaRef(event.dataId),
      correlationId: { $ref: '#/components/correlationIds/binary' },
      traits: [{ $ref: '#/components/messageTraits/orderKey' }],
    };
  }
  const statusChanged = registerEvent(registry, { type: STATUS_CHANGED, version: STATUS_CHANGED_DATA_VERSION, current: true, data: statusChangedData });
  messages[STATUS_CHANGED_MESSAGE] = structuredMessage(
    statusChanged,
    'Published by Orderly through its transactional outbox, one per status transition, at least once: deduplicate on `id`. ' +
      '`correlationid` and `causationid` are those of the event that caused the transition.',
  );
  messages[DEAD_LETTER_MESSAGE] = {
    name: DEAD_LETTER_MESSAGE,
    title: 'Dead letter',
    description:
      'A message Orderly gave up on: its original body and headers, byte for byte, with the `x-dead-letter-*` and `x-original-*` headers added. ' +
      "It is also indexed in Orderly's dead-letter store (`GET /dlq`), from where it can be replayed to its original channel.",
    headers: schemaRef('DeadLetterHeaders'),
    payload: { description: 'The original body, unchanged.' },
  };
  return {
    schemas: componentSchemas(registry, 'draft-7'),
    messages,
    messageTraits: {
      orderKey: {
        description: 'The ordering key is the order id: one order’s events keep their order on every broker that partitions.',
        bindings: { kafka: { key: { type: 'string', description: 'The order id.' }, bindingVersion: '0.5.0' } },
      },
    },
    correlationIds: {
      structured: { description: 'The CloudEvent extension `correlationid`.', location: '$message.payload#/correlationid' },
      binary: { description: 'The CloudEvent extension `correlationid`, as a header.', location: '$message.header#/ce_correlationid' },
    },
  };
}

function structuredMessage(event: RegisteredEvent, description: string): Record<string, unknown> {
  return {
    name: event.type,
    title: `${event.type} v${event.version}, structured mode`,
    description: `The whole CloudEvent 1.0 as the JSON body; what Orderly itself publishes. ${description}`,
    contentType: 'application/cloudevents+json',
    headers: schemaRef('StructuredHeaders'),
    payload: schemaRef(event.structuredId),
    correlationId: { $ref: '#/components/correlationIds/structured' },
    traits: [{ $ref: '#/components/messageTraits/orderKey' }],
  };
}
