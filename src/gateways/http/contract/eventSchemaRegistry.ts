import { CURRENT_VERSION, EVENT_TYPES, eventDataSchema, knownVersions, type EventType } from '../../../domain/orderEvents.js';
import { structuredCloudEvent, type CloudEventShape, type SchemaRegistry } from './cloudEventSchemas.js';

/** One version of one event type, with the component ids its schemas were registered under. */
export interface RegisteredEvent<Type extends string = string> extends CloudEventShape {
  readonly type: Type;
  /** The data alone, e.g. `order.created.v1`. */
  readonly dataId: string;
  /** The whole structured-mode CloudEvent, e.g. `order.created.v1.structured`. */
  readonly structuredId: string;
}

/** `knownVersions` names a version whose schema cannot be found: the domain module is inconsistent. */
export class MissingEventSchemaError extends Error {
  override readonly name = 'MissingEventSchemaError';
  constructor(
    readonly type: EventType,
    readonly version: number,
  ) {
    super(`${type} v${version} is a known version without a schema`);
  }
}

/** Registers the data and structured-event schemas of one version of one type. */
export function registerEvent<Type extends string>(registry: SchemaRegistry, shape: CloudEventShape & { readonly type: Type }): RegisteredEvent<Type> {
  const dataId = `${shape.type}.v${shape.version}`;
  const structuredId = `${dataId}.structured`;
  registry.add(shape.data, { id: dataId });
  registry.add(structuredCloudEvent(shape), { id: structuredId });
  return { ...shape, dataId, structuredId };
}

/**
 * Registers every version of every type Orderly consumes, oldest first per type: the schemas
 * Orderly validates with, so the published contract is the one the decoder enforces.
 * @throws MissingEventSchemaError if a known version has no schema.
 */
export function registerEventSchemas(registry: SchemaRegistry): RegisteredEvent<EventType>[] {
  return EVENT_TYPES.flatMap((type) =>
    knownVersions(type).map((version) => {
      const data = eventDataSchema(type, version);
      if (data === undefined) throw new MissingEventSchemaError(type, version);
      return registerEvent(registry, { type, version, current: version === CURRENT_VERSION[type], data });
    }),
  );
}
