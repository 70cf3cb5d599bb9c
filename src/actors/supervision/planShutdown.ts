import type { StopReason } from './supervisorNotice.js';
import type { ChildState, SupervisorContext } from './supervisorSnapshot.js';
import type { SupervisorPlan, SupervisorStep } from './supervisorStep.js';

/**
 * Every child ends up stopped: live ones are stopped in reverse start order (later children may
 * depend on earlier ones, as in OTP), pending restarts are dropped.
 */
export function planShutdown(context: SupervisorContext, reason: StopReason): SupervisorPlan<SupervisorContext> {
  const steps: SupervisorStep[] = [];
  const children = [...context.children];
  for (let index = children.length - 1; index >= 0; index--) {
    const child = children[index] as ChildState;
    if (child.status === 'running' && child.actorId !== undefined) {
      steps.push({ kind: 'stop', childId: child.id, actorId: child.actorId, reason });
      children[index] = { ...child, status: 'stopped', actorId: undefined, lastExit: 'stopped' };
    } else if (child.status === 'restarting') {
      steps.push({ kind: 'cancel-restart', childId: child.id });
      children[index] = { ...child, status: 'stopped' };
    }
  }
  return { context: { ...context, children }, steps };
}
