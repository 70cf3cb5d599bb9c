import type { SupervisorContext } from './supervisorSnapshot.js';
import type { SupervisorPlan } from './supervisorStep.js';

/** A restart of this child is `periodMs` old: it no longer counts toward intensity nor toward the child's backoff. */
export function planForget(context: SupervisorContext, childId: string): SupervisorPlan<SupervisorContext> {
  const children = context.children.map((child) => (child.id === childId ? { ...child, recentRestarts: Math.max(0, child.recentRestarts - 1) } : child));
  return { context: { ...context, restartsInPeriod: Math.max(0, context.restartsInPeriod - 1), children }, steps: [] };
}
