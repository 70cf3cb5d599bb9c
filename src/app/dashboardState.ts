import type { Observable } from 'rxjs';
import type { AnyActorRef } from 'xstate';
import type { JobPoolStats } from '../actors/jobs/createJobPool.js';
import type { RegistryStats } from '../actors/orderRegistry.js';
import type { SupervisorContext } from '../actors/supervision/index.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { DeadLetterStore } from '../streams/deadLetterStore.js';
import { REPLAYED_FROM_HEADER } from '../streams/replayDeadLetter.js';
import type { SettledRecord } from '../streams/settle.js';

/** What the dashboard reads, each part of an `Orderly` (the root as a getter: it starts after the routes are registered). */
export interface DashboardParts {
  readonly root: () => Pick<AnyActorRef, 'getSnapshot'> | undefined;
  readonly pipeline: {
    readonly settled$: Observable<SettledRecord>;
    readonly registry: { readonly stats: RegistryStats; liveByStatus(): Record<string, number> };
    readonly gateways: ReadonlyMap<string, unknown>;
    readonly sourcesDown: ReadonlyMap<string, string>;
    readonly sourcesReady: ReadonlySet<string>;
    readonly deadLetters: { readonly store: Pick<DeadLetterStore, 'list' | 'size'> };
  };
  readonly realtime?: { readonly hub: { readonly stats: { readonly sessions: number; readonly delivered: number; readonly cutOff: number } } };
  readonly jobs?: { readonly pool: { readonly stats: JobPoolStats } };
}

export interface DashboardStateOptions {
  /** Seconds of per-source rate history kept and shown, one bucket a second. @default 60 */
  readonly rateSeconds?: number;
  /** Most sources with a rate history; settlements from any further gateway count under `other`. @default 16 */
  readonly maxSources?: number;
  /** Most dead letters in a snapshot, newest first (the total is given beside them). @default 20 */
  readonly maxDeadLetters?: number;
  /** Deepest level of the supervision tree shown. @default 6 */
  readonly maxDepth?: number;
  /** @default systemClock */
  readonly clock?: Pick<Clock, 'now'>;
}

/** One supervised child (or the root) and, when it is a supervisor itself, its children. */
export interface DashboardNode {
  readonly id: string;
  /** A child's `running` | `restarting` | `stopped`; the root's XState status (`active`, `stopped`, `error`). */
  readonly status: string;
  readonly restarts: number;
  readonly recentRestarts: number;
  readonly lastExit: string | null;
  readonly lastError: string | null;
  readonly children: readonly DashboardNode[];
}

/** Settlements of one source, per second, oldest first; the last bucket is the current second so far. */
export interface SourceRates {
  readonly source: string;
  /** `ready`, `down` (`detail` says why), `waiting` (for the broker to put its consumer in place), or `other` for a gateway not configured as a source. */
  readonly status: 'ready' | 'down' | 'waiting' | 'other';
  readonly detail: string | null;
  readonly acked: readonly number[];
  /** Deliveries that needed more than one attempt, plus those handed back to the broker. */
  readonly retried: readonly number[];
  readonly deadLettered: readonly number[];
  /** Since Orderly started. */
  readonly totals: { readonly acked: number; readonly retried: number; readonly deadLettered: number };
}

export interface DeadLetterRow {
  readonly id: string;
  readonly reason: string;
  readonly message: string;
  readonly attempts: number;
  readonly lastFailedAt: string;
  readonly eventType: string | null;
  readonly orderKey: string | null;
  readonly gateway: string;
  readonly channel: string;
  /** The entry this one is a replay of, when it failed again after a replay. */
  readonly replayedFrom: string | null;
}

/** The JSON of `GET /dashboard/state` and of each frame of `/dashboard/stream`. */
export interface DashboardState {
  readonly at: string;
  readonly tree: DashboardNode | null;
  readonly orders: RegistryStats & { readonly byStatus: Record<string, number> };
  readonly rates: { readonly seconds: number; readonly sources: readonly SourceRates[] };
  readonly deadLetters: { readonly total: number; readonly entries: readonly DeadLetterRow[] };
  readonly hub: { readonly sessions: number; readonly delivered: number; readonly cutOff: number } | null;
  readonly tasks: JobPoolStats | null;
}

export interface DashboardStateSource {
  snapshot(): Promise<DashboardState>;
  /** Stops counting settlements. Idempotent. */
  stop(): void;
}

const KINDS = ['acked', 'retried', 'deadLettered'] as const;
type Kind = (typeof KINDS)[number];
const MAX_TEXT = 300;

/** Per-second counters of one source in a fixed ring: `seconds` buckets per kind, nothing grows. */
class RateRing {
  readonly buckets: Record<Kind, number[]>;
  readonly totals: Record<Kind, number> = { acked: 0, retried: 0, deadLettered: 0 };
  /** The epoch second of the newest bucket, at `head`. */
  #second: number;
  #head = 0;

  constructor(readonly seconds: number, nowSecond: number) {
    this.buckets = { acked: new Array<number>(seconds).fill(0), retried: new Array<number>(seconds).fill(0), deadLettered: new Array<number>(seconds).fill(0) };
    this.#second = nowSecond;
  }

  add(kind: Kind, count: number, nowSecond: number): void {
    this.advance(nowSecond);
    this.buckets[kind][this.#head]! += count;
    this.totals[kind] += count;
  }

  /** Moves the head to `nowSecond`, zeroing the seconds skipped (at most a full turn). */
  advance(nowSecond: number): void {
    const steps = Math.min(nowSecond - this.#second, this.seconds);
    if (steps <= 0) return;
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % this.seconds;
      for (const kind of KINDS) this.buckets[kind][this.#head] = 0;
    }
    this.#second = nowSecond;
  }

  /** One kind, oldest first. */
  series(kind: Kind): number[] {
    const ring = this.buckets[kind];
    return [...ring.slice(this.#head + 1), ...ring.slice(0, this.#head + 1)];
  }
}

/**
 * What Orderly's dashboard shows, read from an Orderly's parts on demand: the supervision tree,
 * the live order actors by status, settlement rates per source (counted here from `settled$`
 * into fixed per-second rings), the newest dead letters, the hub and the job pool. Bounded: the
 * rings, the number of sources, the dead letters and the tree depth all have limits; reading a
 * snapshot costs one pass over the live orders and one page of the dead-letter index.
 */
export function createDashboardState(parts: DashboardParts, options: DashboardStateOptions = {}): DashboardStateSource {
  const seconds = bounded('rateSeconds', options.rateSeconds ?? 60, 5, 3600);
  const maxSources = bounded('maxSources', options.maxSources ?? 16, 2, 256);
  const maxDeadLetters = bounded('maxDeadLetters', options.maxDeadLetters ?? 20, 1, 1000);
  const maxDepth = bounded('maxDepth', options.maxDepth ?? 6, 1, 32);
  const clock = options.clock ?? systemClock;
  const second = () => Math.floor(clock.now() / 1000);
  const { pipeline } = parts;

  const rings = new Map<string, RateRing>();
  for (const source of pipeline.gateways.keys()) if (rings.size < maxSources - 1) rings.set(source, new RateRing(seconds, second()));
  const ringOf = (gateway: string): RateRing => {
    const name = rings.has(gateway) || rings.size < maxSources - 1 ? gateway : 'other';
    let ring = rings.get(name);
    if (!ring) rings.set(name, (ring = new RateRing(seconds, second())));
    return ring;
  };
  const counting = pipeline.settled$.subscribe((record) => {
    const ring = ringOf(record.delivery.origin.gateway);
    const now = second();
    const { kind } = record.settlement;
    if (kind === 'ack') ring.add('acked', 1, now);
    else if (kind === 'deadLetter') ring.add('deadLettered', 1, now);
    const retries = Math.max(0, record.attempts - 1) + (kind === 'retry' ? 1 : 0);
    if (retries > 0) ring.add('retried', retries, now);
  });

  const sourceStatus = (source: string): Pick<SourceRates, 'status' | 'detail'> => {
    if (!pipeline.gateways.has(source)) return { status: 'other', detail: null };
    const down = pipeline.sourcesDown.get(source);
    if (down !== undefined) return { status: 'down', detail: clip(down) };
    return pipeline.sourcesReady.has(source) ? { status: 'ready', detail: null } : { status: 'waiting', detail: null };
  };

  const snapshot = async (): Promise<DashboardState> => {
    const [entries, total] = await Promise.all([pipeline.deadLetters.store.list({ limit: maxDeadLetters }), pipeline.deadLetters.store.size()]);
    const now = second();
    const root = parts.root();
    return {
      at: new Date(clock.now()).toISOString(),
      tree: root ? treeOf('root', root, maxDepth) : null,
      orders: { ...pipeline.registry.stats, byStatus: pipeline.registry.liveByStatus() },
      rates: {
        seconds,
        sources: [...rings].map(([source, ring]) => {
          ring.advance(now);
          return { source, ...sourceStatus(source), acked: ring.series('acked'), retried: ring.series('retried'), deadLettered: ring.series('deadLettered'), totals: { ...ring.totals } };
        }),
      },
      deadLetters: {
        total,
        entries: entries.map((entry) => ({
          id: entry.id,
          reason: entry.reason,
          message: clip(entry.message),
          attempts: entry.attempts,
          lastFailedAt: entry.lastFailedAt,
          eventType: entry.eventType ?? null,
          orderKey: entry.orderKey ?? null,
          gateway: entry.origin.gateway,
          channel: entry.origin.channel,
          replayedFrom: entry.original.headers[REPLAYED_FROM_HEADER] ?? null,
        })),
      },
      hub: parts.realtime ? pick(parts.realtime.hub.stats, ['sessions', 'delivered', 'cutOff']) : null,
      tasks: parts.jobs ? { ...parts.jobs.pool.stats } : null,
    };
  };

  return { snapshot, stop: () => counting.unsubscribe() };
}

/** The root and, recursively, every child whose actor is a supervisor (its snapshot has `context.children`). */
function treeOf(id: string, actor: Pick<AnyActorRef, 'getSnapshot'>, depthLeft: number): DashboardNode {
  const snapshot = actor.getSnapshot() as { status: string; context?: Partial<SupervisorContext>; children?: Record<string, AnyActorRef> };
  return { id, status: snapshot.status, restarts: 0, recentRestarts: 0, lastExit: null, lastError: null, children: childrenOf(snapshot, depthLeft) };
}

function childrenOf(snapshot: { context?: Partial<SupervisorContext>; children?: Record<string, AnyActorRef> }, depthLeft: number): DashboardNode[] {
  const children = snapshot.context?.children;
  if (!Array.isArray(children) || depthLeft <= 1) return [];
  return children.map((child) => {
    const ref = child.status === 'running' ? snapshot.children?.[child.id] : undefined;
    const nested = ref ? (ref.getSnapshot() as { context?: Partial<SupervisorContext>; children?: Record<string, AnyActorRef> }) : undefined;
    return {
      id: child.id,
      status: child.status,
      restarts: child.restarts,
      recentRestarts: child.recentRestarts,
      lastExit: child.lastExit ?? null,
      lastError: child.lastErrorMessage === undefined ? null : clip(child.lastErrorMessage),
      children: nested ? childrenOf(nested, depthLeft - 1) : [],
    };
  });
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, from[key]])) as Pick<T, K>;
}

/** A dashboard option outside its bounds. */
export class InvalidDashboardOptionsError extends Error {
  override readonly name = 'InvalidDashboardOptionsError';
}

function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidDashboardOptionsError(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
  return value;
}
