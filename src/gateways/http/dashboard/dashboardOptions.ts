/** Settings of the dashboard routes, each with a default and bounds checked by `dashboardOptions`. */
export interface DashboardOptions {
  /** How often `/dashboard/stream` pushes a state frame. @default 1_000 */
  readonly intervalMs: number;
  /** Most dashboard streams open at once, all admins together; past it a new one gets `503`. @default 8 */
  readonly maxStreams: number;
  /** Sent as `retry:`: how long the browser waits before reconnecting. @default 2_000 */
  readonly retryMs: number;
  /** After the server ends a stream (shutdown), how long before its socket is destroyed if the client does not read. @default 1_000 */
  readonly closeGraceMs: number;
}

export const DEFAULT_DASHBOARD_OPTIONS: DashboardOptions = { intervalMs: 1_000, maxStreams: 8, retryMs: 2_000, closeGraceMs: 1_000 };

const BOUNDS = { intervalMs: [50, 60_000], maxStreams: [1, 1_000], retryMs: [100, 600_000], closeGraceMs: [10, 60_000] } as const;

/** A dashboard route option outside its bounds. */
export class InvalidDashboardRouteOptionsError extends Error {
  override readonly name = 'InvalidDashboardRouteOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid dashboard options: ${problems.join('; ')}`);
  }
}

export function dashboardOptions(partial: Partial<DashboardOptions> = {}): DashboardOptions {
  const options = { ...DEFAULT_DASHBOARD_OPTIONS, ...partial };
  const problems: string[] = [];
  for (const key of Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]) {
    const [min, max] = BOUNDS[key];
    const value = options[key];
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  if (problems.length > 0) throw new InvalidDashboardRouteOptionsError(problems);
  return options;
}
