import type { OrderStore } from '../actors/orderStore.js';
import type { Sink } from '../streams/source.js';

/**
 * Where the crash tests kill Orderly with SIGKILL (`ORDERLY_TEST_CRASH_AT=<point>:<n>`, the n-th
 * time the point is reached): the moments at which a crash is hardest on the guarantees.
 * - `store.before-save`: a decision made, nothing stored;
 * - `store.after-save`: the order and its outbox stored, the delivery not yet acked;
 * - `outbox.before-publish`: a status event in the outbox, not yet on the broker;
 * - `outbox.before-remove`: a status event on the broker, still in the outbox;
 * - `hub.before-publish`: a change stored, not yet on the hub bus, its delivery not yet acked;
 * - `task.mid-run`: a task's work done (its email written, its report made), not yet recorded.
 */
export const CRASH_POINTS = ['store.before-save', 'store.after-save', 'outbox.before-publish', 'outbox.before-remove', 'hub.before-publish', 'task.mid-run'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CrashPlan {
  readonly point: CrashPoint;
  /** Crash the n-th time the point is reached (1-based). */
  readonly nth: number;
}

/** Marks a point as reached; kills the process when the plan says so. A no-op without a plan. */
export type ReachCrashPoint = (point: CrashPoint) => void;

/** Parses `<point>:<n>`; undefined when it is not one. */
export function parseCrashPlan(text: string): CrashPlan | undefined {
  const match = /^([a-z.-]+):(\d{1,9})$/.exec(text);
  const point = CRASH_POINTS.find((p) => p === match?.[1]);
  const nth = Number(match?.[2]);
  return point && nth >= 1 ? { point, nth } : undefined;
}

export function crashSwitch(plan: CrashPlan | undefined, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): ReachCrashPoint {
  if (!plan) return () => undefined;
  let reached = 0;
  return (point) => {
    if (point === plan.point && ++reached === plan.nth) kill();
  };
}

/** The store with `store.*` and `outbox.before-remove` points around its writes; everything else passes through. */
export function crashingStore<S extends OrderStore>(store: S, reach: ReachCrashPoint): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'save') {
        return async (...args: Parameters<OrderStore['save']>) => {
          reach('store.before-save');
          await target.save(...args);
          reach('store.after-save');
        };
      }
      if (property === 'removeOutbox') {
        return (...args: unknown[]) => {
          reach('outbox.before-remove');
          return (target as unknown as { removeOutbox(...a: unknown[]): Promise<void> }).removeOutbox(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The sink with `outbox.before-publish` in front of each publish. */
export function crashingSink(sink: Sink, reach: ReachCrashPoint): Sink {
  return {
    publish: (channel, message) => {
      reach('outbox.before-publish');
      return sink.publish(channel, message);
    },
  };
}
