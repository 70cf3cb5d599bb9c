import { systemClock, type Clock } from '../../domain/clock.js';
import { InvalidMemoryBrokerOptionsError } from './memoryBrokerErrors.js';

/** How an in-memory broker is bounded and where its time comes from. */
export interface MemoryBrokerOptions {
  /**
   * Most messages one channel holds for one consumer group — waiting, in flight or awaiting a
   * retry, i.e. everything `depth()` counts — and, before any group exists, in its backlog.
   * At the bound `publish` rejects with `BrokerFullError` and accepts nothing.
   * @default 100_000
   */
  readonly maxChannelDepth?: number;
  /** Suffix of a channel's dead-letter channel: `order.created` parks to `order.created.dlq`. @default '.dlq' */
  readonly deadLetterSuffix?: string;
  /** Time source for retry delays and `receivedAt`. @default systemClock */
  readonly clock?: Clock;
  /** Most channels (dead-letter channels included) the broker holds; past it, creating one fails with `BrokerFullError`. @default 10_000 */
  readonly maxChannels?: number;
  /** Most consumer groups one channel holds; groups are durable, they outlive their consumers. @default 100 */
  readonly maxGroupsPerChannel?: number;
  /** Most live subscriptions one group has on one channel. @default 1_000 */
  readonly maxConsumersPerGroup?: number;
}

export type ResolvedMemoryBrokerOptions = Readonly<Required<MemoryBrokerOptions>>;

const defaults: ResolvedMemoryBrokerOptions = {
  maxChannelDepth: 100_000,
  deadLetterSuffix: '.dlq',
  clock: systemClock,
  maxChannels: 10_000,
  maxGroupsPerChannel: 100,
  maxConsumersPerGroup: 1_000,
};

const counts = ['maxChannelDepth', 'maxChannels', 'maxGroupsPerChannel', 'maxConsumersPerGroup'] as const;

/**
 * The one place broker options are checked. Every problem is reported at once; unknown keys are
 * refused so that a misspelt bound never silently falls back to its default.
 */
export function resolveMemoryBrokerOptions(options: MemoryBrokerOptions = {}): ResolvedMemoryBrokerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidMemoryBrokerOptionsError(['options must be an object']);
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!(key in defaults)) problems.push(`unknown option '${key}'`);
  }
  const resolved = { ...defaults };
  for (const key of counts) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`${key} must be a positive integer, got ${String(value)}`);
    else resolved[key] = value;
  }
  if (options.deadLetterSuffix !== undefined) {
    // An empty suffix would make a channel its own dead-letter channel.
    if (typeof options.deadLetterSuffix !== 'string' || options.deadLetterSuffix.length === 0) {
      problems.push('deadLetterSuffix must be a non-empty string');
    } else resolved.deadLetterSuffix = options.deadLetterSuffix;
  }
  if (options.clock !== undefined) {
    const clock = options.clock as Partial<Clock> | null;
    const complete = typeof clock === 'object' && clock !== null &&
      typeof clock.now === 'function' && typeof clock.setTimeout === 'function' && typeof clock.clearTimeout === 'function';
    if (!complete) problems.push('clock must have now(), setTimeout() and clearTimeout()');
    else resolved.clock = options.clock;
  }
  if (problems.length > 0) throw new InvalidMemoryBrokerOptionsError(problems);
  return resolved;
}
