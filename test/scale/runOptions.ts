import type { ScaleRunOptions } from './scaleRun.js';

/** The sizes every scale and chaos entry point reads from its command line (`numberArgs`). */
export interface RunSizes {
  readonly orders: number;
  readonly events: number;
  readonly seed: number;
}

/** What an entry point states itself: its broker, processes, watchers and bounds, and whatever it adds. */
export type RunSpecifics = Omit<ScaleRunOptions, keyof RunSizes | 'users' | 'mix' | 'perOrder' | 'ordering'>;

/** The scale-out (`npm run scale:*`): three processes, one SIGKILLed at 30 % of the transitions, a fourth joining at 60 %. */
export const SCALE_OUT = { instances: 3, killAt: 0.3, joinAt: 0.6, timeoutMs: 9 * 60_000, quietMs: 60_000 } as const satisfies Partial<ScaleRunOptions>;

/** A chaos run (`npm run chaos:*`): nobody watching, 64 orders published at once, 90 s without progress before the oracle. */
export const CHAOS = { watchedUsers: 0, publishConcurrency: 64, quietMs: 90_000 } as const satisfies Partial<ScaleRunOptions>;

/**
 * A run's options: the `story` load of `sizes` with one user per five orders, each order's events
 * published one after another, and `specifics`. The oracle demands publish order only on Kafka,
 * which keeps each order's events in order; the other brokers redeliver what a dead or cut-off
 * consumer held after newer messages, so there any order the rules accept is allowed.
 */
export function runOptions(sizes: RunSizes, specifics: RunSpecifics): ScaleRunOptions {
  return {
    orders: sizes.orders,
    events: sizes.events,
    users: Math.max(1, Math.floor(sizes.orders / 5)),
    seed: sizes.seed,
    mix: 'story',
    perOrder: 'sequential',
    ordering: specifics.broker === 'kafka' ? 'per-order' : 'none',
    ...specifics,
  };
}
