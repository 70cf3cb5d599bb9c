import { ignoreElements, Subject, tap, type Observable } from 'rxjs';
import { fromObservable } from 'xstate';
import { createSupervisorLogic, type ChildSpec, type SupervisorNotice } from '../actors/supervision/index.js';
import type { Delivery } from '../streams/delivery.js';
import type { LogPort } from '../streams/logPort.js';
import type { ConsumeOptions, Source } from '../streams/source.js';
import type { SourceName } from './config.js';

export interface SourceSupervision {
  /** Restarts of sources in `periodMs` past which the gateways supervisor gives up and escalates. */
  readonly intensity: number;
  readonly periodMs: number;
  /** Backoff of a restart: doubles from `baseMs` up to `maxMs`, with jitter. */
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface SupervisedSources {
  /**
   * The gateways supervisor, one transient child per source, to put in a tree (Orderly's root, or
   * the pipeline's own supervisor when it runs alone).
   */
  readonly gateways: ChildSpec;
  /**
   * Every delivery of every source while its child runs, handed on synchronously (no buffer:
   * credit still reaches the broker). Completes once every source has completed (drained after
   * the consume signal aborted); errors with `fail`'s error.
   */
  readonly deliveries$: Observable<Delivery>;
  /** Sources that failed and wait for their restart, with the error's message. */
  readonly down: ReadonlyMap<SourceName, string>;
  /** Sources whose consumer the broker has put in place, and that have not failed since. */
  readonly ready: ReadonlySet<SourceName>;
  /** The tree above gave up: `deliveries$` errors with `error`. */
  fail(error: unknown): void;
}

/**
 * The gateways supervisor: one-for-one, `intensity` restarts per period, one transient child per
 * source.
 *
 * A source that fails (connection lost, broker restarted) is restarted with backoff; its
 * unsettled deliveries come back from the broker and dedup absorbs any repeat. A source that
 * completed after a drain stays stopped. Past its intensity the gateways supervisor stops every
 * source and fails to its parent, which starts it afresh until its own intensity is spent; then
 * the whole tree gives up, `fail` is called, and the app shuts down with a non-zero exit rather
 * than limp along without a broker.
 */
export function superviseSources(
  sources: ReadonlyMap<SourceName, Source>,
  consume: ConsumeOptions,
  supervision: SourceSupervision,
  deps: { readonly log: LogPort },
): SupervisedSources {
  const intake = new Subject<Delivery>();
  const down = new Map<SourceName, string>();
  const ready = new Set<SourceName>();
  const completed = new Set<string>();

  const source = (name: SourceName, from: Source): ChildSpec => ({
    id: name,
    restart: 'transient',
    logic: fromObservable(() =>
      from.consume({ ...consume, onReady: () => ready.add(name) }).pipe(
        tap((delivery) => intake.next(delivery)),
        ignoreElements(),
      ),
    ),
  });

  const onSourceNotice = (notice: SupervisorNotice) => {
    // (Re)started, also as part of a fresh gateways supervisor: up again, ready once the broker says so.
    if (notice.type === 'supervisor.child.started' || notice.type === 'supervisor.child.restarted') down.delete(notice.childId as SourceName);
    if (notice.type === 'supervisor.child.stopped') ready.delete(notice.childId as SourceName);
    if (notice.type !== 'supervisor.child.exited') return;
    const name = notice.childId as SourceName;
    if (notice.exit === 'normal') {
      completed.add(name);
      if (completed.size === sources.size) intake.complete();
      return;
    }
    down.set(name, notice.error instanceof Error ? notice.error.message : String(notice.error));
    ready.delete(name);
    deps.log.warn({ source: name, err: notice.error, restartInMs: notice.restartInMs }, 'source failed; the supervisor restarts it');
  };

  const gateways = createSupervisorLogic({
    strategy: 'one-for-one',
    intensity: supervision.intensity,
    periodMs: supervision.periodMs,
    backoff: { baseMs: supervision.baseMs, maxMs: supervision.maxMs },
    children: [...sources].map(([name, from]) => source(name, from)),
    onNotice: onSourceNotice,
  });
  return {
    gateways: { id: 'gateways', logic: gateways },
    deliveries$: intake.asObservable(),
    down,
    ready,
    fail: (error) => intake.error(error),
  };
}
