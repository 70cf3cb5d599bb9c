import { z } from 'zod';
import { DEAD_LETTER_CODES } from '../dlqRoutes.js';
import { dateTime } from './cloudEventSchemas.js';

const text = z.string().min(1);

/**
 * The headers `deadLetterHeaders` (src/streams/deadLetterHeaders.ts) adds to every dead letter,
 * on every broker, beside the original headers. The contract test fails when that function
 * writes a header not named here.
 */
export const deadLetterHeaders = z
  .object({
    'x-dead-letter-code': z.enum(DEAD_LETTER_CODES as [string, ...string[]]).describe('Why it was parked; `GET /dlq?reason=` filters on it.'),
    'x-dead-letter-reason': z.string().describe('One line naming the field or the failure.'),
    'x-dead-letter-attempts': z.string().regex(/^[0-9]+$/).describe('Attempts made, as a decimal string.'),
    'x-dead-letter-at': dateTime.describe('When the last attempt failed.'),
    'x-dead-letter-error': z.string().optional().describe('The error of the last attempt, when there was one.'),
    'x-dead-letter-first-at': dateTime.optional().describe('When the first attempt failed.'),
    'x-dead-letter-correlation-id': text.optional().describe('The correlation id, when the message could be decoded.'),
    'x-dead-letter-id': text.optional().describe("Id of the entry in Orderly's dead-letter index: `GET /dlq/{id}`."),
    'x-original-gateway': text.describe('The broker it came from, e.g. `kafka`.'),
    'x-original-channel': text.describe('The channel it came from; `orderly dlq replay` sends it back there.'),
    'x-original-coordinates': z.string().describe('JSON object of broker coordinates: partition and offset, stream id, sequence…'),
    'x-original-event-id': text.optional().describe("The event's id (dedup key), when the message could be decoded."),
  })
  .catchall(z.string().describe("The original message's own headers, unchanged."));
