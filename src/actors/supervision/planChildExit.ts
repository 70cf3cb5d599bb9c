import { backoffDelay } from './backoffDelay.js';
import { planShutdown } from './planShutdown.js';
import { SupervisorEscalationError } from './supervisorEscalationError.js';
import type { ResolvedSupervisorSpec } from './supervisorSpec.js';
import type { ChildState, SupervisorContext } from './supervisorSnapshot.js';
import type { SupervisorPlan, SupervisorStep } from './supervisorStep.js';

export interface ChildExit {
  readonly childId: string;
  readonly exit: 'normal' | 'error';
  /** The child's error; undefined for a normal exit. */
  readonly error: unknown;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A running child exited on its own. Decides, as OTP does:
 * 1. whether it is restarted at all (its restart type and how it exited); if not, it is stopped
 *    and nothing else changes — its siblings are not touched;
 * 2. whether one more restart stays within `intensity` restarts per `periodMs` (counted when the
 *    restart is decided, not when it happens); if not, everything stops and the supervisor escalates;
 * 3. which siblings go with it (`rest-for-one`: the running ones after it, stopped in reverse
 *    order; temporary ones among them are not restarted, as in OTP) and its backoff delay.
 */
export function planChildExit(spec: ResolvedSupervisorSpec, context: SupervisorContext, exited: ChildExit, supervisorId: string): SupervisorPlan<SupervisorContext> {
  const index = context.children.findIndex((child) => child.id === exited.childId);
  const before = context.children[index];
  const childSpec = spec.children[index];
  if (before === undefined || childSpec === undefined || before.status !== 'running') return { context, steps: [] };
  const failed = exited.exit === 'error';
  const after: ChildState = {
    ...before,
    actorId: undefined,
    lastExit: exited.exit,
    ...(failed ? { lastError: exited.error, lastErrorMessage: message(exited.error) } : {}),
  };
  const restart = childSpec.restart === 'permanent' || (childSpec.restart === 'transient' && failed);
  const withChild = (child: ChildState): readonly ChildState[] => context.children.map((c, i) => (i === index ? child : c));

  if (!restart) {
    const steps: SupervisorStep[] = [{ kind: 'exited', ...exited, restartInMs: undefined }];
    return { context: { ...context, children: withChild({ ...after, status: 'stopped' }) }, steps };
  }

  if (context.restartsInPeriod + 1 > spec.intensity) {
    const error = new SupervisorEscalationError(supervisorId, exited.childId, exited.exit, { intensity: spec.intensity, periodMs: spec.periodMs }, { cause: exited.error });
    const shutdown = planShutdown({ ...context, children: withChild({ ...after, status: 'stopped' }) }, 'escalation');
    const steps: SupervisorStep[] = [{ kind: 'exited', ...exited, restartInMs: undefined }, ...shutdown.steps, { kind: 'escalate', error }];
    return { context: shutdown.context, steps };
  }

  const recentRestarts = before.recentRestarts + 1;
  const delayMs = backoffDelay(childSpec.backoff, recentRestarts, spec.random);
  const children = [...withChild({ ...after, status: 'restarting', recentRestarts })];
  const steps: SupervisorStep[] = [{ kind: 'exited', ...exited, restartInMs: delayMs }, { kind: 'schedule-forget', childId: exited.childId }];
  if (spec.strategy === 'rest-for-one') {
    for (let later = children.length - 1; later > index; later--) {
      const sibling = children[later] as ChildState;
      const siblingSpec = spec.children[later];
      if (sibling.status === 'running' && sibling.actorId !== undefined) {
        steps.push({ kind: 'stop', childId: sibling.id, actorId: sibling.actorId, reason: 'sibling-restart' });
        const status = siblingSpec?.restart === 'temporary' ? 'stopped' : 'restarting';
        children[later] = { ...sibling, status, actorId: undefined, lastExit: 'stopped' };
      } else if (sibling.status === 'restarting') {
        // It was waiting for its own backoff; it now comes back with this child, after it.
        steps.push({ kind: 'cancel-restart', childId: sibling.id });
      }
    }
  }
  steps.push({ kind: 'schedule-restart', childId: exited.childId, delayMs });
  return { context: { ...context, restartsInPeriod: context.restartsInPeriod + 1, children }, steps };
}
