import { createActor, type ActorLogic, type ActorScope, type ActorSystem, type AnyActorRef, type EventObject } from 'xstate';
import { planChildExit } from './planChildExit.js';
import { planForget } from './planForget.js';
import { incarnationId, planRestart } from './planRestart.js';
import { planShutdown } from './planShutdown.js';
import { childExitOf, FORGET, RESTART, type SupervisorTimerEvent } from './supervisorEvent.js';
import type { SupervisorNotice } from './supervisorNotice.js';
import type { SupervisorContext, SupervisorSnapshot } from './supervisorSnapshot.js';
import { resolveSupervisorSpec, type ResolvedSupervisorSpec, type SupervisorSpec } from './supervisorSpec.js';
import type { SupervisorPlan } from './supervisorStep.js';

export type SupervisorLogic = ActorLogic<SupervisorSnapshot, EventObject, unknown, AnyActorSystem, SupervisorNotice>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the system's own type parameter, as XState's AnyActorSystem (not exported)
type AnyActorSystem = ActorSystem<any>;
type Scope = ActorScope<SupervisorSnapshot, EventObject, AnyActorSystem, SupervisorNotice>;

const timerEvent = (type: SupervisorTimerEvent['type'], childId: string): SupervisorTimerEvent & EventObject => ({ type, childId });
const restartTimerId = (childId: string) => `restart:${childId}`;

/**
 * OTP-style supervision as XState actor logic: use it as a root (`createActor(logic, { clock })`)
 * or as a child of any actor (`invoke`, `spawnChild`, or a child spec of another supervisor).
 *
 * Children are real XState actors in the supervisor's system, so they share its clock and
 * inspector. Their exits arrive as the usual `xstate.error.actor.*` / `xstate.done.actor.*`
 * events; each incarnation has its own actor id (`<id>#<n>`) so the late exit of one the
 * supervisor already stopped is ignored. Backoff and the intensity window are timers on the
 * system scheduler: a `SimulatedClock` drives them in tests, and stopping the supervisor
 * cancels every one of them.
 *
 * Past its intensity the supervisor stops its children in reverse order and its own snapshot
 * becomes `status: 'error'` with a `SupervisorEscalationError`: a parent supervisor sees a failed
 * child; an app holding the root sees `toPromise(actor)` reject (see `index.ts`).
 *
 * @throws SupervisorSpecError when the spec cannot work (checked here, not at start).
 */
export function createSupervisorLogic(spec: SupervisorSpec): SupervisorLogic {
  const resolved = resolveSupervisorSpec(spec);
  return {
    config: spec,
    getInitialSnapshot: (scope) => {
      const context: SupervisorContext = {
        strategy: resolved.strategy,
        intensity: resolved.intensity,
        periodMs: resolved.periodMs,
        restartsInPeriod: 0,
        children: resolved.children.map((child) => ({
          id: child.id,
          status: 'running',
          actorId: incarnationId(child.id, 0),
          restarts: 0,
          recentRestarts: 0,
          lastExit: undefined,
          lastError: undefined,
          lastErrorMessage: undefined,
        })),
      };
      const initial: SupervisorSnapshot = { status: 'active', output: undefined, error: undefined, context, children: {} };
      // Actors are made now and started (in order) when the supervisor starts, as a machine does with its spawned children.
      return apply(resolved, initial, { context, steps: context.children.map((child) => ({ kind: 'start', childId: child.id })) }, scope);
    },
    transition: (snapshot, event, scope) => {
      if (snapshot.status !== 'active') return snapshot;
      if (event.type === 'xstate.stop') {
        const { context } = apply(resolved, snapshot, planShutdown(snapshot.context, 'shutdown'), scope);
        return { status: 'stopped', output: undefined, error: undefined, context, children: {} };
      }
      const timer = event as SupervisorTimerEvent;
      if (timer.type === RESTART) return apply(resolved, snapshot, planRestart(resolved, snapshot.context, timer.childId), scope);
      if (timer.type === FORGET) return apply(resolved, snapshot, planForget(snapshot.context, timer.childId), scope);
      const exited = childExitOf(event);
      const child = exited && snapshot.context.children.find((c) => c.status === 'running' && c.actorId === exited.actorId);
      if (exited === undefined || child === undefined) return snapshot;
      return apply(resolved, snapshot, planChildExit(resolved, snapshot.context, { childId: child.id, ...exited.exit }, scope.id), scope);
    },
    getPersistedSnapshot: ({ status, output, error, context }) => ({ status, output, error, context }) as SupervisorSnapshot,
  };
}

/** The plan's context becomes the snapshot's; its steps run, in order, once XState has committed it. */
function apply(spec: ResolvedSupervisorSpec, snapshot: SupervisorSnapshot, plan: SupervisorPlan<SupervisorContext>, scope: Scope): SupervisorSnapshot {
  const refs: Record<string, AnyActorRef> = { ...snapshot.children };
  const supervisorId = scope.id;
  const notify = (notice: SupervisorNotice) => {
    scope.emit(notice);
    try {
      spec.onNotice?.(notice);
    } catch {
      // A logger that throws must not change what the supervisor does.
    }
  };
  let error: unknown;
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'start': {
        const index = plan.context.children.findIndex((c) => c.id === step.childId);
        const child = plan.context.children[index];
        const childSpec = spec.children[index];
        if (child?.actorId === undefined || childSpec === undefined) break;
        const actorId = child.actorId;
        const ref = createActor(childSpec.logic, { id: actorId, parent: scope.self, input: childSpec.input, systemId: childSpec.systemId });
        refs[child.id] = ref;
        const restarts = child.restarts;
        scope.defer(() => {
          notify(restarts === 0 ? { type: 'supervisor.child.started', supervisorId, childId: step.childId, actorId } : { type: 'supervisor.child.restarted', supervisorId, childId: step.childId, actorId, restarts });
          ref.start();
        });
        break;
      }
      case 'stop': {
        const ref = refs[step.childId];
        delete refs[step.childId];
        scope.defer(() => {
          if (ref !== undefined) scope.stopChild(ref);
          notify({ type: 'supervisor.child.stopped', supervisorId, childId: step.childId, reason: step.reason });
        });
        break;
      }
      case 'exited':
        delete refs[step.childId];
        scope.defer(() => notify({ type: 'supervisor.child.exited', supervisorId, childId: step.childId, exit: step.exit, error: step.error, restartInMs: step.restartInMs }));
        break;
      case 'schedule-restart':
        scope.defer(() => scope.system.scheduler.schedule(scope.self, scope.self, timerEvent(RESTART, step.childId), step.delayMs, restartTimerId(step.childId)));
        break;
      case 'cancel-restart':
        scope.defer(() => scope.system.scheduler.cancel(scope.self, restartTimerId(step.childId)));
        break;
      case 'schedule-forget':
        // No id: several restarts of one child may be counted at once; the scheduler makes a unique one.
        scope.defer(() => scope.system.scheduler.schedule(scope.self, scope.self, timerEvent(FORGET, step.childId), spec.periodMs, undefined));
        break;
      case 'escalate':
        error = step.error;
        scope.defer(() => notify({ type: 'supervisor.escalated', supervisorId, error: step.error }));
        break;
    }
  }
  if (error !== undefined) return { status: 'error', output: undefined, error, context: plan.context, children: {} };
  return { ...snapshot, context: plan.context, children: refs };
}
