/**
 * The little a gateway needs to log: pino's call shape (fields first, then the message), so the
 * app's pino logger fits as it is, and a gateway never depends on pino itself.
 */
export interface LogPort {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
