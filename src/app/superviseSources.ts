import { ignoreElements, Subject, tap, type Observable } from 'rxjs';
import { createActor, fromObservable, type Actor } from 'xstate';
import { createSupervisorLogic, type SupervisorLogic, type SupervisorNotice } from '../actors/supervision/index.js';
import type { Clock } from '../domain/clock.js';
import type { Delivery } from '../streams/delivery.js';
import type { LogPort } from '../streams/logPort.js';
import type { ConsumeOptions, Source } from '../streams/source.js';
import type { SourceName } from './config.js';

export interface SourceSupervision {
  /** Restarts in `periodMs` past which the supervisor gives up and escalates. */
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
   * the consume signal aborted); errors with the escalation when the supervisor gives up.
   */
  readonly deliveries$: Observable<Delivery>;
  /** Sources that failed and wait for their restart, with the error's message. */
  readonly down: ReadonlyMap<SourceName, string>;
  /** Sources whose consumer the broker has put in place, and that have not failed since. */
  readonly ready: ReadonlySet<SourceName>;
  /** The gateways supervisor: its snapshot says each source's state and restart count. */
  readonly actor: Actor<SupervisorLogic>;
  /** Starts the children; subscribe to `deliveries$` first. */
  start(): void;
  /** Stops every source (unsettled deliveries go back to their brokers). Idempotent. */
  stop(): void;
}

/**
 * The gateways supervisor: one transient child per source, so a source that fails (connection
 * lost, broker restarted) is restarted with backoff and its unsettled deliveries come back from
 * the broker (dedup absorbs any repeat), while a source that completed after a drain stays
 * stopped. Past `intensity` restarts in `periodMs` the supervisor stops every source and
 * `deliveries$` errors: the pipeline fails, and the app shuts down with a non-zero exit rather
 * than limp along without a broker.
 */
export function superviseSources(
  sources: ReadonlyMap<SourceName, Source>,
  consume: ConsumeOptions,
  supervision: SourceSupervision,
  deps: { readonly clock: Clock; readonly log: LogPort },
): SupervisedSources {
  const intake = new Subject<Delivery>();
  const down = new Map<SourceName, string>();
  const ready = new Set<SourceName>();
  const completed = new Set<string>();

  const child = (name: SourceName, source: Source) => ({
    id: name,
    restart: 'transient' as const,
    logic: fromObservable(() =>
      source
        .consume({ ...consume, onReady: () => ready.add(name) })
        .pipe(
          tap((delivery) => intake.next(delivery)),
          ignoreElements(),
        ),
    ),
  });

  const onNotice = (notice: SupervisorNotice) => {
    switch (notice.type) {
      case 'supervisor.child.exited': {
        const name = notice.childId as SourceName;
        if (notice.exit === 'normal') {
          completed.add(name);
          if (completed.size === sources.size) intake.complete();
          return;
        }
        down.set(name, notice.error instanceof Error ? notice.error.message : String(notice.error));
        ready.delete(name);
        deps.log.warn({ source: name, err: notice.error, restartInMs: notice.restartInMs }, 'source failed; the supervisor restarts it');
        return;
      }
      case 'supervisor.child.restarted':
        down.delete(notice.childId as SourceName);
        return;
      case 'supervisor.escalated':
        deps.log.error({ err: notice.error }, 'sources failed too often: giving up');
        intake.error(notice.error);
        return;
      default:
        return;
    }
  };

  const logic = createSupervisorLogic({
    strategy: 'one-for-one',
    intensity: supervision.intensity,
    periodMs: supervision.periodMs,
    backoff: { baseMs: supervision.baseMs, maxMs: supervision.maxMs },
    children: [...sources].map(([name, source]) => child(name, source)),
    onNotice,
  });
  const actor = createActor(logic, { clock: deps.clock, id: 'gateways' });
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
