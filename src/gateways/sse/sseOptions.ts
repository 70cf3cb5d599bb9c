/** Settings of the SSE gateway, each with a default and bounds checked by `sseOptions`. */
export interface SseOptions {
  /** Route path. @default '/events/stream' */
  readonly path: string;
  /** Sent as `retry:`: how long the browser waits before reconnecting. @default 3_000 */
  readonly retryMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. @default 15_000 */
  readonly heartbeatMs: number;
  /** After the server ends a stream, how long before the socket is destroyed if the client does not read. @default 5_000 */
  readonly closeGraceMs: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { path: '/events/stream', retryMs: 3_000, heartbeatMs: 15_000, closeGraceMs: 5_000 };

const BOUNDS = { retryMs: [100, 600_000], heartbeatMs: [100, 600_000], closeGraceMs: [10, 60_000] } as const;

/** An SSE option outside its bounds. */
export class InvalidSseOptionsError extends Error {
  override readonly name = 'InvalidSseOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid SSE options: ${problems.join('; ')}`);
  }
}

export function sseOptions(partial: Partial<SseOptions> = {}): SseOptions {
  const options = { ...DEFAULT_SSE_OPTIONS, ...partial };
  const problems: string[] = [];
  if (!options.path.startsWith('/')) problems.push('path must start with /');
  for (const key of Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]) {
    const [min, max] = BOUNDS[key];
    const value = options[key];
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  if (problems.length > 0) throw new InvalidSseOptionsError(problems);
  return options;
}
