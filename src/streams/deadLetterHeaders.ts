import type { DeadLetterReason, Origin } from './delivery.js';

/**
 * The headers every dead letter carries on every broker, next to the original headers and body,
 * so that a human (and `orderly dlq replay`) can see why it was parked and where it came from.
 */
export function deadLetterHeaders(reason: DeadLetterReason, origin: Origin, failedAt: Date): Record<string, string> {
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
  return headers;
}
