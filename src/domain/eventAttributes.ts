import { isRfc3339DateTime } from './dateTime.js';
import { quote } from './quote.js';

/** Why a message could not be decoded; the same codes the dead-letter channel uses. */
export type DecodeFailureCode = 'decode' | 'unknown-type' | 'unknown-version' | 'validation';

export interface DecodeFailure {
  readonly ok: false;
  readonly code: DecodeFailureCode;
  /** One line, names the field, quotes at most ~100 characters of the input. */
  readonly message: string;
}

export function decodeFailure(code: DecodeFailureCode, message: string): DecodeFailure {
  return { ok: false, code, message };
}

/** What a mode read from the message before its data is validated. */
export interface EventAttributes {
  readonly type: string;
  /** `undefined` only in plain mode, where the decoder derives one from the broker coordinates. */
  readonly id: string | undefined;
  readonly source: string | undefined;
  /** Already checked to be RFC 3339 when present. */
  readonly time: string | undefined;
  /** The data version as sent (number or digit string); `undefined` when the message names none. */
  readonly version: unknown;
  readonly correlationId: string | undefined;
  readonly partitionKey: string | undefined;
  readonly causationId: string | undefined;
  readonly data: unknown;
}

export type AttributesResult = { readonly ok: true; readonly attributes: EventAttributes } | DecodeFailure;

/** The body parsed as JSON, or why it is not JSON. Parsed on demand, at most once. */
export type JsonBody = () => { readonly ok: true; readonly value: unknown } | DecodeFailure;

/** `application/json` or any `…+json`, parameters (`; charset=utf-8`) ignored. */
export function isJsonContentType(contentType: string): boolean {
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header value with surrounding whitespace removed; empty counts as absent. */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = Object.hasOwn(headers, name) ? headers[name]?.trim() : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/** A binary-mode attribute: `ce-<name>` (HTTP, NATS) wins over `ce_<name>` (Kafka, AMQP) when both are present. */
export function ceHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return headerValue(headers, `ce-${name}`) ?? headerValue(headers, `ce_${name}`);
}

/**
 * Attributes of a structured-mode CloudEvent (the JSON object that is the whole body).
 * Attribute errors are `decode` (it is not a CloudEvent we can read); `null` counts as absent
 * for optional attributes; `data` is left for the schema to judge.
 */
export function structuredAttributes(event: unknown): AttributesResult {
  if (!isPlainObject(event)) return decodeFailure('decode', 'a structured CloudEvent must be a JSON object');
  const get = (name: string): unknown => (Object.hasOwn(event, name) && event[name] !== null ? event[name] : undefined);

  if (get('specversion') !== '1.0') {
    const got = get('specversion');
    return decodeFailure('decode', `specversion: must be "1.0", ${got === undefined ? 'is missing' : `got ${quote(got)}`}`);
  }
  if (get('data_base64') !== undefined) {
    return decodeFailure('decode', 'data_base64: binary data is not supported; send the event data as JSON in `data`');
  }
  const strings: Record<string, string | undefined> = {};
  for (const name of ['id', 'source', 'type', 'time', 'datacontenttype', 'correlationid', 'partitionkey', 'causationid']) {
    const value = get(name);
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      return decodeFailure('decode', `${name}: must be a non-empty string, got ${quote(value)}`);
    }
    strings[name] = value;
  }
  for (const name of ['id', 'source', 'type']) {
    if (strings[name] === undefined) return decodeFailure('decode', `${name}: is required in a CloudEvent`);
  }
  return finish({
    type: strings['type'] as string,
    id: strings['id'],
    source: strings['source'],
    time: strings['time'],
    contentType: strings['datacontenttype'],
    contentTypeName: 'datacontenttype',
    version: get('dataversion'),
    correlationId: strings['correlationid'],
    partitionKey: strings['partitionkey'],
    causationId: strings['causationid'],
    data: get('data'),
  });
}

/**
 * Attributes of a binary-mode CloudEvent: `ce-*` / `ce_*` headers, the body is the data.
 * The data's media type is the `content-type` header (`ce-datacontenttype` as a fallback).
 */
export function binaryAttributes(headers: Readonly<Record<string, string>>, body: JsonBody): AttributesResult {
  const specversion = ceHeader(headers, 'specversion');
  if (specversion !== '1.0') {
    return decodeFailure('decode', `specversion (header ce-specversion or ce_specversion): must be "1.0", got ${quote(specversion)}`);
  }
  for (const name of ['id', 'source', 'type']) {
    if (ceHeader(headers, name) === undefined) {
      return decodeFailure('decode', `${name} (header ce-${name} or ce_${name}): is required in a CloudEvent`);
    }
  }
  const contentType = headerValue(headers, 'content-type') ?? ceHeader(headers, 'datacontenttype');
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    return decodeFailure('decode', `content-type: ${quote(contentType)} is not supported; the data must be JSON`);
  }
  const json = body();
  if (!json.ok) return json;
  return finish({
    type: ceHeader(headers, 'type') as string,
    id: ceHeader(headers, 'id'),
    source: ceHeader(headers, 'source'),
    time: ceHeader(headers, 'time'),
    contentType: undefined,
    contentTypeName: 'content-type',
    version: ceHeader(headers, 'dataversion'),
    correlationId: ceHeader(headers, 'correlationid'),
    partitionKey: ceHeader(headers, 'partitionkey'),
    causationId: ceHeader(headers, 'causationid'),
    data: json.value,
  });
}

interface Unchecked extends EventAttributes {
  readonly contentType: string | undefined;
  readonly contentTypeName: string;
}

/** The checks both CloudEvent modes share: `time` and the data's content type. */
function finish(unchecked: Unchecked): AttributesResult {
  const { contentType, contentTypeName, ...attributes } = unchecked;
  if (attributes.time !== undefined && !isRfc3339DateTime(attributes.time)) {
    return decodeFailure('decode', `time: must be an RFC 3339 date-time with offset, got ${quote(attributes.time)}`);
  }
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    return decodeFailure('decode', `${contentTypeName}: ${quote(contentType)} is not supported; the data must be JSON`);
  }
  return { ok: true, attributes };
}
