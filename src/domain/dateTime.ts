import { z } from 'zod';

/** The human message for a date-time that fails `rfc3339DateTime`. */
export const RFC3339_MESSAGE = 'must be an RFC 3339 date-time with offset, e.g. 2024-01-02T15:04:05Z';

/**
 * RFC 3339 date-time with a mandatory offset (`Z` or `±hh:mm`) and any number of fractional
 * digits, so Go's `time.RFC3339Nano` output passes. Dates are checked for real (no Feb 30).
 * A local time without offset is refused: it does not name an instant. Upper-case `T` and `Z` only.
 */
export const rfc3339DateTime = z.iso.datetime({ offset: true, error: RFC3339_MESSAGE });

/** Whether `value` is an RFC 3339 date-time with offset, as defined above. */
export function isRfc3339DateTime(value: unknown): value is string {
  return rfc3339DateTime.safeParse(value).success;
}
