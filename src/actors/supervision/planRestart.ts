import type { ResolvedSupervisorSpec } from './supervisorSpec.js';
import type { ChildState, SupervisorContext } from './supervisorSnapshot.js';
import type { SupervisorPlan, SupervisorStep } from './supervisorStep.js';

/** The actor id of a child's next incarnation: its generation makes late events of older ones recognisable. */
export const incarnationId = (childId: string, restarts: number) => `${childId}#${restarts + 1}`;

/**
 * A child's backoff is over: start it again, and under `rest-for-one` every later child that
 * waits with it, in start order. A timer for a child that is no longer restarting (shut down
 * meanwhile) starts nothing.
 */
export function planRestart(spec: ResolvedSupervisorSpec, context: SupervisorContext, childId: string): SupervisorPlan<SupervisorContext> {
  const first = context.children.findIndex((child) => child.id === childId);
  if (context.children[first]?.status !== 'restarting') return { context, steps: [] };
  const last = spec.strategy === 'rest-for-one' ? context.children.length - 1 : first;
  const steps: SupervisorStep[] = [];
  const children = [...context.children];
  for (let index = first; index <= last; index++) {
    const child = children[index] as ChildState;
    if (child.status !== 'restarting') continue;
    const restarts = child.restarts + 1;
    children[index] = { ...child, status: 'running', restarts, actorId: incarnationId(child.id, restarts) };
    steps.push({ kind: 'start', childId: child.id });
  }
  return { context: { ...context, children }, steps };
}
