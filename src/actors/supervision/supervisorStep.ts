import type { StopReason } from './supervisorNotice.js';
import type { SupervisorEscalationError } from './supervisorEscalationError.js';

/**
 * One effect a plan asks for, carried out in list order after the new snapshot is in place.
 * Plans are pure (context in, context and steps out) so the decisions can be read and tested
 * apart from XState; `createSupervisorLogic` turns steps into actors, timers and notices.
 */
export type SupervisorStep =
  /** Start the incarnation the context now names (its `actorId`). */
  | { readonly kind: 'start'; readonly childId: string }
  /** Stop the child's live incarnation. */
  | { readonly kind: 'stop'; readonly childId: string; readonly actorId: string; readonly reason: StopReason }
  /** A child exited on its own; only a notice. */
  | { readonly kind: 'exited'; readonly childId: string; readonly exit: 'normal' | 'error'; readonly error: unknown; readonly restartInMs: number | undefined }
  | { readonly kind: 'schedule-restart'; readonly childId: string; readonly delayMs: number }
  | { readonly kind: 'cancel-restart'; readonly childId: string }
  /** Forget one restart of this child `periodMs` from now. */
  | { readonly kind: 'schedule-forget'; readonly childId: string }
  | { readonly kind: 'escalate'; readonly error: SupervisorEscalationError };

export interface SupervisorPlan<TContext> {
  readonly context: TContext;
  readonly steps: readonly SupervisorStep[];
}
