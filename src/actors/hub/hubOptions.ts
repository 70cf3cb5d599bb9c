import type { Clock } from '../../domain/clock.js';
import type { OrderStatus, OrderView } from '../orderView.js';
import type { ClusterBus } from './clusterBus.js';
import type { SessionLimits } from './hubSession.js';
import type { OrderOwner } from './topicAccess.js';

/** Bounds of the hub; every one has a default and a range, checked by `hubLimits`. */
export interface HubLimits extends SessionLimits {
  /** Frames kept per topic for resume (`since`, `Last-Event-ID`). @default 100 */
  readonly historyPerTopic: number;
  /** Topics with a history; past it the least recently written topic's history is forgotten. @default 10_000 */
  readonly maxTopics: number;
  /** Sessions at once; past it a new connection is refused. @default 20_000 */
  readonly maxSessions: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  historyPerTopic: 100,
  maxTopics: 10_000,
  maxSessions: 20_000,
  maxSubscriptions: 100,
  sendQueueFrames: 1_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  rateBurst: 50,
  ratePerSecond: 20,
  maxRateViolations: 20,
};

/** Inclusive bounds of each limit. */
export const HUB_LIMIT_BOUNDS: { readonly [K in keyof HubLimits]: readonly [number, number] } = {
  historyPerTopic: [1, 100_000],
  maxTopics: [1, 1_000_000],
  maxSessions: [1, 1_000_000],
  maxSubscriptions: [1, 10_000],
  sendQueueFrames: [1, 1_000_000],
  maxBufferedBytes: [1024, 1024 * 1024 * 1024],
  rateBurst: [1, 100_000],
  ratePerSecond: [1, 100_000],
  maxRateViolations: [0, 100_000],
};

/** A hub limit outside its bounds. */
export class InvalidHubOptionsError extends Error {
  override readonly name = 'InvalidHubOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid hub options: ${problems.join('; ')}`);
  }
}

/** The defaults overridden by `partial`, each checked against its bounds. */
export function hubLimits(partial: Partial<HubLimits> = {}): HubLimits {
  const limits = { ...DEFAULT_HUB_LIMITS, ...partial };
  const problems: string[] = [];
  for (const key of Object.keys(HUB_LIMIT_BOUNDS) as (keyof HubLimits)[]) {
    const [min, max] = HUB_LIMIT_BOUNDS[key];
    const value = limits[key];
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  if (problems.length > 0) throw new InvalidHubOptionsError(problems);
  return limits;
}

/** What the hub needs from the outside, handed in by src/app. */
export interface HubDeps {
  readonly bus: ClusterBus;
  /** Who owns an order (its `userId`), `undefined` while unknown: the subscribe-time check. */
  readonly orderOwner: OrderOwner;
  /**
   * An order's current view (with its status, like the `snapshot` of an event), for the reset
   * marker when the history no longer reaches back.
   */
  readonly orderSnapshot: (orderId: string) => Promise<(OrderView & { readonly status?: OrderStatus }) | undefined>;
  /** @default systemClock */
  readonly clock?: Clock;
}
