import type { IncomingHttpHeaders } from 'node:http';

/** The caller's correlation id, if it sent one we can carry (bounded, printable). */
export function correlationIdOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['x-correlation-id'] ?? headers['correlation_id'];
  if (typeof value !== 'string') return undefined;
  return /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}
