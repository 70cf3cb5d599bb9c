import { createActor, SimulatedClock, type ActorLogic, type AnyActorRef, type Snapshot } from 'xstate';
import { afterEach } from 'vitest';
import { createSupervisorLogic, type SupervisorNotice, type SupervisorSpec } from '../../../src/actors/supervision/index.js';

/** A SimulatedClock that knows how many timers are still pending, to prove that stopping leaves none. */
export class CountingClock extends SimulatedClock {
  private readonly live = new Set<number>();
  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id: number = super.setTimeout(() => {
      this.live.delete(id);
      fn();
    }, timeout);
    this.live.add(id);
    return id;
  }
  override clearTimeout(id: number): void {
    this.live.delete(id);
    super.clearTimeout(id);
  }
  get pending(): number {
    return this.live.size;
  }
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
}

export type ProbeEvent = { type: 'fail' } | { type: 'complete' };

/**
 * A child whose whole life is written to `log` as `start a#1`, `stop a#1` (stopped by its
 * parent), `fail a#1`, `done a#1`, with its actor id, so tests can assert lifetimes and order.
 * It fails or completes synchronously when sent `fail` / `complete`, so no test waits on promises.
 */
export function probe(log: string[]): ActorLogic<Snapshot<undefined>, ProbeEvent> {
  return {
    getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined }),
    start: (_snapshot, scope) => void log.push(`start ${scope.id}`),
    transition: (snapshot, event, scope) => {
      if ((event.type as string) === 'xstate.stop') {
        log.push(`stop ${scope.id}`);
        return { status: 'stopped', output: undefined, error: undefined };
      }
      if (event.type === 'fail') {
        log.push(`fail ${scope.id}`);
        return { status: 'error', output: undefined, error: new ProbeError(`${scope.id} failed`) };
      }
      if (event.type === 'complete') {
        log.push(`done ${scope.id}`);
        return { status: 'done', output: undefined, error: undefined };
      }
      return snapshot;
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

const started: AnyActorRef[] = [];
// Every test stops what it started: no actor, hence no timer, outlives its test.
afterEach(() => {
  for (const actor of started.splice(0)) if (actor.getSnapshot().status === 'active') actor.stop();
});

/** Starts a root supervisor on a counting simulated clock and records its notices. */
export function startSupervisor(spec: SupervisorSpec, options: { id?: string } = {}) {
  const clock = new CountingClock();
  const notices: SupervisorNotice[] = [];
  const errors: unknown[] = [];
  const actor = createActor(createSupervisorLogic({ random: () => 0, ...spec }), { clock, id: options.id ?? 'root' });
  actor.on('*', (notice) => notices.push(notice));
  actor.subscribe({ error: (error) => errors.push(error) });
  started.push(actor);
  actor.start();
  const child = (childId: string) => actor.getSnapshot().children[childId];
  const state = (childId: string) => actor.getSnapshot().context.children.find((c) => c.id === childId);
  return {
    actor,
    clock,
    notices,
    errors,
    child,
    state,
    /** Sends `fail`/`complete` to the child's live incarnation; throws if it has none, so a test cannot silently miss. */
    tell(childId: string, type: ProbeEvent['type']) {
      const ref = child(childId);
      if (ref === undefined) throw new Error(`child ${childId} is not running`);
      ref.send({ type });
    },
    statuses: () => Object.fromEntries(actor.getSnapshot().context.children.map((c) => [c.id, c.status])),
  };
}
