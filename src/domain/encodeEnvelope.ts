import { isRfc3339DateTime } from './dateTime.js';
import type { Envelope } from './envelope.js';
import { CURRENT_VERSION, validateEventData, type EventDataMap, type EventType } from './orderEvents.js';
import { quote } from './quote.js';
import { describeIssues, type ValidationIssue } from './validationResult.js';

/** An envelope as bytes for any broker: `key` is the ordering key brokers that partition use. */
export interface EncodedMessage {
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
  readonly key: string;
}

const utf8 = new TextEncoder();

/**
 * The envelope as a structured-mode CloudEvent 1.0 (JSON body), with the correlation id and the
 * message id also in plain headers for tools that do not read CloudEvents. `decodeEnvelope`
 * gives back the same id, type, key, correlation id, version, time, source and data, provided
 * the key is the data's `orderId` (a `partitionkey` that is not is refused on decode).
 * The envelope's received `headers` are not sent on.
 */
export function encodeStructured(envelope: Envelope): EncodedMessage {
  const event = {
    specversion: '1.0',
    id: envelope.id,
    source: envelope.source,
    type: envelope.type,
    time: envelope.occurredAt,
    datacontenttype: 'application/json',
    dataversion: envelope.version,
    correlationid: envelope.correlationId,
    partitionkey: envelope.key,
    ...(envelope.causationId === undefined ? {} : { causationid: envelope.causationId }),
    data: envelope.data,
  };
  return {
    body: utf8.encode(JSON.stringify(event)),
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      correlation_id: envelope.correlationId,
      'message-id': envelope.id,
    },
    key: envelope.key,
  };
}

export interface BuildEnvelopeInput<T extends EventType> {
  readonly type: T;
  /** Current-version data; validated again here. */
  readonly data: EventDataMap[T];
  readonly id: string;
  readonly correlationId: string;
  readonly source: string;
  /** RFC 3339 with offset. */
  readonly occurredAt: string;
  readonly causationId?: string;
}

/** `buildEnvelope` was given something no consumer would accept. A programming or input error, never transient. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly type: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`cannot build a ${type} envelope: ${describeIssues(issues)}`);
  }
}

/**
 * An outbound envelope for an event Orderly itself accepted (e.g. over HTTP): key = the data's
 * `orderId`, version = the type's current one, no transport headers. The data is validated
 * (and normalised: trimmed, unknown keys dropped) so that what is published always decodes.
 * @throws InvalidEventError if the data or an attribute is invalid.
 */
export function buildEnvelope<T extends EventType>(input: BuildEnvelopeInput<T>): Envelope<EventDataMap[T]> & { readonly type: T } {
  const version = CURRENT_VERSION[input.type];
  const issues: ValidationIssue[] = [];
  for (const name of ['id', 'correlationId', 'source'] as const) {
    if (typeof input[name] !== 'string' || input[name].trim() === '') {
      issues.push({ path: name, message: `must be a non-empty string, got ${quote(input[name])}` });
    }
  }
  if (!isRfc3339DateTime(input.occurredAt)) {
    issues.push({ path: 'occurredAt', message: `must be an RFC 3339 date-time with offset, got ${quote(input.occurredAt)}` });
  }
  const checked = validateEventData(input.type, version, input.data);
  if (!checked.ok) issues.push(...checked.issues.map((issue) => ({ ...issue, path: issue.path === 'data' ? 'data' : `data.${issue.path}` })));
  if (!checked.ok || issues.length > 0) throw new InvalidEventError(input.type, issues);

  const data = checked.data as EventDataMap[T];
  return {
    id: input.id,
    type: input.type,
    version,
    key: data.orderId,
    correlationId: input.correlationId,
    ...(input.causationId === undefined ? {} : { causationId: input.causationId }),
    source: input.source,
    occurredAt: input.occurredAt,
    headers: {},
    data,
  };
}
