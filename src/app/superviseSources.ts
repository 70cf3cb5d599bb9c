import { ignoreElements, Subject, tap, type Observable } from 'rxjs';
import { createActor, fromObservable, type Actor } from 'xstate';
import { createSupervisorLogic, type ChildSpec, type SupervisorLogic, type SupervisorNotice } from '../actors/supervision/index.js';
import type { Clock } from '../domain/clock.js';
import type { Delivery } from '../streams/delivery.js';
import type { LogPort } from '../streams/logPort.js';
import type { ConsumeOptions, Source } from '../streams/source.js';
import type { SourceName } from './config.js';

/** Restarts of the pipeline's children (a gateways supervisor or a relay that gave up) per period. */
const PIPELINE_RESTART_INTENSITY = 3;

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
   * Every delivery of every source while its child runs, handed on synchronously (no buffer:
   * credit still reaches the broker). Completes once every source has completed (drained after
   * the consume signal aborted); errors with the escalation when the pipeline supervisor gives up.
   */
  readonly deliveries$: Observable<Delivery>;
  /** Sources that failed and wait for their restart, with the error's message. */
  readonly down: ReadonlyMap<SourceName, string>;
  /** Sources whose consumer the broker has put in place, and that have not failed since. */
  readonly ready: ReadonlySet<SourceName>;
  /** The pipeline supervisor: its snapshot says each child's state and restart count. */
  readonly actor: Actor<SupervisorLogic>;
  /** Starts the tree; subscribe to `deliveries$` first. */
  start(): void;
  /** Stops every child in reverse order (unsettled deliveries go back to their brokers). Idempotent. */
  stop(): void;
}

/**
 * The pipeline's supervision tree:
 *
 *     pipeline (one-for-one, at most PIPELINE_RESTART_INTENSITY restarts per period)
 *     ├── gateways (one-for-one, `intensity` restarts per period)
 *     │   └── one transient child per source
 *     └── …`siblings` (the outbox relay)
 *
 * A source that fails (connection lost, broker restarted) is restarted with backoff; its
 * unsettled deliveries come back from the broker and dedup absorbs any repeat. A source that
 * completed after a drain stays stopped. Past its intensity the gateways supervisor stops every
 * source and fails; the pipeline supervisor starts it afresh, as it does a relay that gave up,
 * until its own intensity is spent; then it gives up: `deliveries$` errors, the pipeline fails, and the app shuts down with a non-zero exit
 * rather than limp along without a broker.
 */
export function superviseSources(
  sources: ReadonlyMap<SourceName, Source>,
  consume: ConsumeOptions,
  supervision: SourceSupervision,
  deps: { readonly clock: Clock; readonly log: LogPort; readonly siblings?: readonly ChildSpec[] },
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

  const onPipelineNotice = (notice: SupervisorNotice) => {
    if (notice.type === 'supervisor.child.exited' && notice.exit === 'error') {
      deps.log.error({ child: notice.childId, err: notice.error, restartInMs: notice.restartInMs }, 'pipeline child failed; restarting it');
    }
    if (notice.type === 'supervisor.escalated') {
      deps.log.error({ err: notice.error }, 'the pipeline supervisor gives up');
      intake.error(notice.error);
    }
  };

  const gateways = createSupervisorLogic({
    strategy: 'one-for-one',
    intensity: supervision.intensity,
    periodMs: supervision.periodMs,
    backoff: { baseMs: supervision.baseMs, maxMs: supervision.maxMs },
    children: [...sources].map(([name, from]) => source(name, from)),
    onNotice: onSourceNotice,
  });
  const pipeline = createSupervisorLogic({
    strategy: 'one-for-one',
    // A few fresh starts of a subtree that gave up (its own restarts are spent); more within the
    // period are a pattern, and the process had better be restarted whole.
    intensity: PIPELINE_RESTART_INTENSITY,
    periodMs: supervision.periodMs,
    backoff: { baseMs: supervision.baseMs, maxMs: supervision.maxMs },
    children: [{ id: 'gateways', logic: gateways }, ...(deps.siblings ?? [])],
    onNotice: onPipelineNotice,
  });
  const actor = createActor(pipeline, { clock: deps.clock, id: 'pipeline' });
  // The escalation reaches the pipeline through `deliveries$`; without an error observer XState
  // would also rethrow it as an uncaught exception.
  actor.subscribe({ error: () => undefined });

  let stopped = false;
  return {
    deliveries$: intake.asObservable(),
    down,
    ready,
    actor,
    start: () => void actor.start(),
    stop: () => {
      if (stopped) return;
      stopped = true;
      actor.stop();
    },
  };
}
