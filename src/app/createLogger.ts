import { pino, type DestinationStream, type Logger } from 'pino';
import { currentLogContext } from '../streams/logContext.js';

/**
 * Fields that hold credentials wherever they appear in a logged object (one level deep, and the
 * request headers fastify logs). Tickets in URLs are masked by the HTTP logger itself.
 */
export const SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'token',
  '*.token',
  'ticket',
  '*.ticket',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'ORDERLY_JWT_SECRET',
  '*.ORDERLY_JWT_SECRET',
];

export interface LoggerOptions {
  readonly level: string;
  /** Human-readable lines (pino-pretty, in a worker thread) rather than JSON: for a terminal. */
  readonly pretty: boolean;
  /** Where JSON lines go (tests). @default stdout */
  readonly destination?: DestinationStream;
}

/**
 * Orderly's logger: JSON lines (or pretty ones on a terminal) in which every line written while a
 * message is handled carries that message's correlation id, causation id, event id, type, order
 * id and source — from the log context (src/streams/logContext.ts), not from the call site.
 * Credentials are replaced by `[redacted]`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    mixin: () => currentLogContext() ?? {},
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
  };
  if (options.pretty) {
    return pino({ ...settings, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** `LOG_FORMAT`: `auto` is pretty when stdout is a terminal. */
export function wantsPretty(format: 'auto' | 'json' | 'pretty', stdoutIsTTY: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTTY);
}
