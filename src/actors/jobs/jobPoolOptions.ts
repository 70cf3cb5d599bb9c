export interface JobPoolOptions {
  /** Channels consumed, one per task type (the RabbitMQ routing keys). Required, at least one. */
  readonly channels: readonly string[];
  /** Consumer group: pools of one group share the tasks. @default 'orderly-jobs' */
  readonly group?: string;
  /** Most tasks running at once in this pool: worker actors alive at a time. @default 4 */
  readonly concurrency?: number;
  /**
   * Most unsettled task deliveries the broker hands this pool (running, waiting for a worker, and
   * waiting out a retry delay). At least `concurrency` and at least one per channel; also the
   * bound of the pool's waiting queue. @default concurrency * 4
   */
  readonly credit?: number;
  /** Runs of one task (crashed ones included) before it is `dead`. @default 5 */
  readonly maxAttempts?: number;
  /** Delay of the fallback redelivery when the broker refuses a dead letter. @default 1000 */
  readonly redeliverDelayMs?: number;
  /** Largest task message read; a larger one is dead-lettered unread. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /** Put before every channel name; a message without `type` takes its channel's name without it. @default '' */
  readonly channelPrefix?: string;
}

export type ResolvedJobPoolOptions = Required<JobPoolOptions>;

/** A `JobPoolOptions` field the pool cannot use; `field` names it. */
export class InvalidJobPoolOptionsError extends Error {
  override readonly name = 'InvalidJobPoolOptionsError';
  constructor(
    readonly field: keyof JobPoolOptions,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** Fills in the defaults and validates; throws `InvalidJobPoolOptionsError` naming the first bad field. */
export function resolveJobPoolOptions(options: JobPoolOptions): ResolvedJobPoolOptions {
  const concurrency = options.concurrency ?? 4;
  const resolved: ResolvedJobPoolOptions = {
    channels: options.channels,
    group: options.group ?? 'orderly-jobs',
    concurrency,
    credit: options.credit ?? concurrency * 4,
    maxAttempts: options.maxAttempts ?? 5,
    redeliverDelayMs: options.redeliverDelayMs ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    channelPrefix: options.channelPrefix ?? '',
  };
  if (!Array.isArray(resolved.channels) || resolved.channels.length === 0) throw new InvalidJobPoolOptionsError('channels', 'must name at least one channel');
  for (const field of ['concurrency', 'credit', 'maxAttempts', 'maxBodyBytes'] as const) {
    const value = resolved[field];
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidJobPoolOptionsError(field, `must be a positive integer, got ${value}`);
  }
  if (!Number.isSafeInteger(resolved.redeliverDelayMs) || resolved.redeliverDelayMs < 0) {
    throw new InvalidJobPoolOptionsError('redeliverDelayMs', `must be a non-negative integer, got ${resolved.redeliverDelayMs}`);
  }
  if (resolved.credit < resolved.concurrency) throw new InvalidJobPoolOptionsError('credit', `(${resolved.credit}) must be at least concurrency (${resolved.concurrency})`);
  if (resolved.credit < resolved.channels.length) throw new InvalidJobPoolOptionsError('credit', `(${resolved.credit}) must be at least one per channel (${resolved.channels.length})`);
  return resolved;
}
