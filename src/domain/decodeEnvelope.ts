import {
  binaryAttributes,
  ceHeader,
  decodeFailure,
  headerValue,
  isPlainObject,
  structuredAttributes,
  type AttributesResult,
  type DecodeFailure,
  type EventAttributes,
  type JsonBody,
} from './eventAttributes.js';
import { CURRENT_VERSION, EVENT_TYPES, isEventType, type OrderEnvelope } from './orderEvents.js';
import { quote, truncate } from './quote.js';
import { readEventData } from './upcast.js';

export type { DecodeFailure, DecodeFailureCode } from './eventAttributes.js';

/** Bytes and headers as a broker handed them over. Header names may be in any case. */
export interface RawEvent {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** The broker's record key, when it has one (Kafka key): the ordering key if no `partitionkey`. */
  readonly key?: string;
}

export interface DecodeContext {
  /** Where it was consumed; the event type of a plain payload. */
  readonly channel: string;
  /** Broker coordinates, e.g. `{ partition: '3', offset: '17' }`: the id of a plain payload that has none. */
  readonly coordinates: Readonly<Record<string, string>>;
  /** `memory`, `kafka`, …: part of a derived id and of a plain payload's source. */
  readonly gateway: string;
  /** Currency of an order.created v1 without one; must be a known ISO 4217 code. */
  readonly defaultCurrency: string;
  /** Bodies longer than this are refused before parsing. */
  readonly maxBodyBytes: number;
  /** Epoch ms: the time of an event that carries none. */
  readonly now: () => number;
  /** A fresh correlation id for an event that carries none. */
  readonly newId: () => string;
}

export type DecodeResult = { readonly ok: true; readonly envelope: OrderEnvelope } | DecodeFailure;

const CLOUDEVENTS_JSON = 'application/cloudevents+json';
const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a broker message into a valid, upcast envelope, or says why not. Never throws, for any
 * input: every failure is a result whose code the pipeline dead-letters with.
 *
 * Modes, in this order: structured (content-type `application/cloudevents+json`), binary
 * (a `ce-specversion` or `ce_specversion` header), structured again if the body is a JSON
 * object with a `specversion` member, else plain (the body is the data of the channel's type).
 *
 * Failure codes: `decode` — too large, not UTF-8, not JSON, or not a readable CloudEvent
 * (bad attribute, a structured body that is not an object); `unknown-type`; `unknown-version`;
 * `validation` — the data fails its schema, which includes data that is JSON but not an
 * object, and a `partitionkey` that is not the data's `orderId`.
 *
 * Defaults: the data version is the type's current one in both CloudEvent modes and 1 in plain
 * mode (the Go producers' shape); `occurredAt` is `time`, else the data's `timestamp`, else
 * `now()`; the key is `partitionkey`, else the record key, else the data's `orderId`.
 */
export function decodeEnvelope(raw: RawEvent, context: DecodeContext): DecodeResult {
  try {
    return decode(raw, context);
  } catch (error) {
    return decodeFailure('decode', `decoder failed: ${truncate(error instanceof Error ? error.message : String(error))}`);
  }
}

function decode(raw: RawEvent, context: DecodeContext): DecodeResult {
  const headers = lowerCaseHeaders(raw.headers);
  const body = raw.body;
  if (!(body instanceof Uint8Array)) return decodeFailure('decode', 'body: must be bytes');
  if (body.byteLength > context.maxBodyBytes) {
    return decodeFailure('decode', `body: ${body.byteLength} bytes is over the limit of ${context.maxBodyBytes} bytes`);
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return decodeFailure('decode', 'body: is not valid UTF-8');
  }
  const json = parseOnce(text);
  const contentType = (headerValue(headers, 'content-type') ?? '').toLowerCase();

  let read: AttributesResult;
  let plain = false;
  if (contentType.startsWith(CLOUDEVENTS_BATCH)) {
    return decodeFailure('decode', 'content-type: batched CloudEvents are not supported; send one event per message');
  } else if (contentType.startsWith(CLOUDEVENTS_JSON)) {
    const parsed = json();
    read = parsed.ok ? structuredAttributes(parsed.value) : parsed;
  } else if (ceHeader(headers, 'specversion') !== undefined) {
    read = binaryAttributes(headers, json);
  } else {
    const parsed = json();
    if (!parsed.ok) return parsed;
    if (isPlainObject(parsed.value) && Object.hasOwn(parsed.value, 'specversion')) {
      read = structuredAttributes(parsed.value);
    } else {
      plain = true;
      read = plainAttributes(headers, parsed.value, context);
    }
  }
  if (!read.ok) return read;
  return complete(read.attributes, plain, headers, raw.key, context);
}

/** Validates, upcasts and fills the defaults every mode shares. */
function complete(
  attributes: EventAttributes,
  plain: boolean,
  headers: Readonly<Record<string, string>>,
  recordKey: unknown,
  context: DecodeContext,
): DecodeResult {
  const { type } = attributes;
  if (!isEventType(type)) {
    const known = `known types: ${EVENT_TYPES.join(', ')}`;
    return plain
      ? decodeFailure('unknown-type', `channel ${quote(type)} is not a known event type, and a plain JSON payload takes its type from the channel (${known})`)
      : decodeFailure('unknown-type', `type: ${quote(type)} is not a known event type (${known})`);
  }
  const version = attributes.version ?? (plain ? 1 : CURRENT_VERSION[type]);
  const read = readEventData(type, version, attributes.data, { defaultCurrency: context.defaultCurrency });
  if (!read.ok) {
    return read.code === 'validation'
      ? decodeFailure('validation', `${type} v${String(version)} data is invalid: ${read.message}`)
      : decodeFailure('unknown-version', read.message);
  }
  const data = read.data;
  const { partitionKey } = attributes;
  if (partitionKey !== undefined && partitionKey !== data.orderId) {
    return decodeFailure('validation', `partitionkey: ${quote(partitionKey)} is not the data's orderId ${quote(data.orderId)}`);
  }
  const id = attributes.id ?? derivedId(context);
  if (id === undefined) {
    return decodeFailure('decode', 'id: the message has no message-id, ce_id or ce-id header, and the gateway gave no coordinates to derive one');
  }
  const timestamp = 'timestamp' in data ? data.timestamp : undefined;
  const key = partitionKey ?? (typeof recordKey === 'string' && recordKey !== '' ? recordKey : data.orderId);
  const correlationId =
    attributes.correlationId ??
    headerValue(headers, 'correlation_id') ??
    headerValue(headers, 'x-correlation-id') ??
    context.newId();
  const envelope = {
    id,
    type,
    version: read.version,
    key,
    correlationId,
    source: attributes.source ?? `/${context.gateway}/${context.channel}`,
    occurredAt: attributes.time ?? timestamp ?? new Date(context.now()).toISOString(),
    headers,
    data,
    ...(attributes.causationId === undefined ? {} : { causationId: attributes.causationId }),
  };
  return { ok: true, envelope: envelope as OrderEnvelope };
}

/**
 * Plain mode: the body is the data, the channel is the type. The id is the `message-id`
 * header, else `ce-id`/`ce_id`, else derived from the coordinates; the version is the
 * `dataversion`, `ce-dataversion`, `ce_dataversion` or `version` header, else 1.
 */
function plainAttributes(headers: Readonly<Record<string, string>>, data: unknown, context: DecodeContext): AttributesResult {
  return {
    ok: true,
    attributes: {
      type: context.channel,
      id: headerValue(headers, 'message-id') ?? ceHeader(headers, 'id'),
      source: undefined,
      time: undefined,
      version:
        headerValue(headers, 'dataversion') ?? ceHeader(headers, 'dataversion') ?? headerValue(headers, 'version'),
      correlationId: undefined,
      partitionKey: undefined,
      causationId: undefined,
      data,
    },
  };
}

/**
 * `gateway:channel:k=v,k=v` with the coordinates sorted by name, so a redelivery of the same
 * record gets the same id and dedup works. `undefined` without coordinates: an id shared by
 * every message would make dedup drop all but the first.
 */
function derivedId(context: DecodeContext): string | undefined {
  const pairs = Object.entries(context.coordinates ?? {})
    .map(([name, value]) => `${name}=${String(value)}`)
    .sort();
  return pairs.length === 0 ? undefined : `${context.gateway}:${context.channel}:${pairs.join(',')}`;
}

/**
 * Header names lower-cased (two names that differ only in case: the later one wins). Values
 * that are not strings are dropped; gateways hand over strings.
 */
function lowerCaseHeaders(headers: unknown): Readonly<Record<string, string>> {
  const lowered = new Map<string, string>();
  if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') lowered.set(name.toLowerCase(), value);
    }
  }
  return Object.fromEntries(lowered);
}

function parseOnce(text: string): JsonBody {
  let result: ReturnType<JsonBody> | undefined;
  return () => {
    result ??= parse(text);
    return result;
  };
}

function parse(text: string): ReturnType<JsonBody> {
  if (text.trim() === '') return decodeFailure('decode', 'body: is empty; expected JSON');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return decodeFailure('decode', `body: is not JSON (${truncate(error instanceof Error ? error.message : String(error))})`);
  }
}
