import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { createSupervisorLogic, type ChildSpec, type SupervisorLogic, type SupervisorNotice } from '../actors/supervision/index.js';
import type { Clock } from '../domain/clock.js';
import type { LogPort } from '../streams/logPort.js';

export interface TopSupervisorOptions {
  /** Actor id of the supervisor: `root` for Orderly, `pipeline` or `jobs` when a part runs alone. */
  readonly id: string;
  /** In start order; they stop in reverse. */
  readonly children: readonly ChildSpec[];
  /** Restarts of children in `periodMs` past which the supervisor gives up. */
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly clock: Clock;
  readonly log: LogPort;
  /** Told once, when the supervisor gives up: nothing of its tree runs any more. */
  readonly onEscalated: (error: unknown) => void;
  /** Every actor of the tree reports here (the Stately inspector, the dashboard). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

/**
 * Starts a supervisor that nobody supervises: the top of a tree. Its children's failures are
 * logged; its own escalation is logged and handed to `onEscalated` — never rethrown, since the app
 * decides what a tree that gave up means (Orderly shuts down with a non-zero exit).
 */
export function startTopSupervisor(options: TopSupervisorOptions): Actor<SupervisorLogic> {
  const { log } = options;
  const onNotice = (notice: SupervisorNotice) => {
    if (notice.type === 'supervisor.child.exited' && notice.exit === 'error') {
      log.error({ supervisor: notice.supervisorId, child: notice.childId, err: notice.error, restartInMs: notice.restartInMs }, `${options.id} child failed; restarting it`);
    }
    if (notice.type === 'supervisor.escalated') {
      log.error({ supervisor: notice.supervisorId, err: notice.error }, `the ${options.id} supervisor gives up`);
      options.onEscalated(notice.error);
    }
  };
  const logic = createSupervisorLogic({
    strategy: 'one-for-one',
    intensity: options.intensity,
    periodMs: options.periodMs,
    backoff: options.backoff,
    children: options.children,
    onNotice,
  });
  const actor = createActor(logic, { clock: options.clock, id: options.id, systemId: options.id, ...(options.inspect ? { inspect: options.inspect } : {}) });
  // The escalation reaches the app through `onEscalated`; without an error observer XState would
  // also rethrow it as an uncaught exception.
  actor.subscribe({ error: () => undefined });
  actor.start();
  return actor;
}
