/** Settings of the WebSocket gateway, each with a default and bounds checked by `websocketOptions`. */
export interface WebSocketOptions {
  /** Path the upgrade is accepted on. @default '/ws' */
  readonly path: string;
  /** Largest client frame; a larger one closes the connection with 1009. @default 65_536 */
  readonly maxPayloadBytes: number;
  /** Ping every this often; a peer that has not answered the previous ping is terminated. @default 30_000 */
  readonly heartbeatMs: number;
  /** After the server closes a connection, how long the peer has to finish the close handshake before the socket is destroyed. @default 5_000 */
  readonly closeGraceMs: number;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebSocketOptions = { path: '/ws', maxPayloadBytes: 64 * 1024, heartbeatMs: 30_000, closeGraceMs: 5_000 };

const BOUNDS = { maxPayloadBytes: [256, 16 * 1024 * 1024], heartbeatMs: [100, 600_000], closeGraceMs: [10, 60_000] } as const;

/** A WebSocket option outside its bounds. */
export class InvalidWebSocketOptionsError extends Error {
  override readonly name = 'InvalidWebSocketOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid WebSocket options: ${problems.join('; ')}`);
  }
}

export function websocketOptions(partial: Partial<WebSocketOptions> = {}): WebSocketOptions {
  const options = { ...DEFAULT_WEBSOCKET_OPTIONS, ...partial };
  const problems: string[] = [];
  if (!options.path.startsWith('/')) problems.push('path must start with /');
  for (const key of Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]) {
    const [min, max] = BOUNDS[key];
    const value = options[key];
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  if (problems.length > 0) throw new InvalidWebSocketOptionsError(problems);
  return options;
}
