import type { DeadLetterReason, Origin } from './delivery.js';

/**
 * What the dead-letter recorder (`recordDeadLetters`) knows beyond the reason and adds to it
 * before the gateway parks the message. Every gateway hands the reason it is given straight to
 * `deadLetterHeaders`, so these fields reach every broker's dead letter without any gateway
 * knowing about them. All optional: a dead letter made without the recorder carries none.
 */
export interface DeadLetterDetails extends DeadLetterReason {
  /** Epoch ms of the first failed attempt, when known (the last one is the `failedAt` of the dead letter). */
  readonly firstFailedAt?: number;
  /** The event's correlation id, when the message could be decoded. */
  readonly correlationId?: string;
  /** The event's id (its dedup key), when the message could be decoded. */
  readonly eventId?: string;
  /** The id of the entry in Orderly's dead-letter index (`GET /dlq/:id`): links the broker's copy to it. */
  readonly indexId?: string;
}

/**
 * The headers every dead letter carries on every broker, next to the original headers and body,
 * so that a human (and `orderly dlq replay`) can see why it was parked and where it came from:
 * reason code, message and error, attempts, last failure time (`x-dead-letter-at`), original
 * gateway, channel and coordinates (partition/offset, stream id, sequence…); and, when the
 * reason is a `DeadLetterDetails`, first failure time, correlation id, event id and index id.
 */
export function deadLetterHeaders(reason: DeadLetterReason | DeadLetterDetails, origin: Origin, failedAt: Date): Record<string, string> {
  const headers: Record<string, string> = {
    'x-dead-letter-code': reason.code,
    'x-dead-letter-reason': reason.message,
    'x-dead-letter-attempts': String(reason.attempts),
    'x-dead-letter-at': failedAt.toISOString(),
    'x-original-gateway': origin.gateway,
    'x-original-channel': origin.channel,
    'x-original-coordinates': JSON.stringify(origin.coordinates),
  };
  if (reason.error !== undefined) headers['x-dead-letter-error'] = reason.error;
  const details: DeadLetterDetails = reason;
  if (details.firstFailedAt !== undefined) headers['x-dead-letter-first-at'] = new Date(details.firstFailedAt).toISOString();
  if (details.correlationId !== undefined) headers['x-dead-letter-correlation-id'] = details.correlationId;
  if (details.eventId !== undefined) headers['x-original-event-id'] = details.eventId;
  if (details.indexId !== undefined) headers['x-dead-letter-id'] = details.indexId;
  return headers;
}
