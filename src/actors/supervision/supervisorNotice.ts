import type { SupervisorEscalationError } from './supervisorEscalationError.js';

/** Why the supervisor itself stopped a running child. */
export type StopReason = 'sibling-restart' | 'shutdown' | 'escalation';

/**
 * What a supervisor tells a logger, in the order it happens. Emitted on the supervisor actor
 * (`actor.on('supervisor.child.restarted', ...)` or `actor.on('*', ...)`) and passed to the
 * spec's `onNotice`. `supervisorId` is the actor id of the supervisor, to tell nested ones apart.
 */
export type SupervisorNotice =
  | { readonly type: 'supervisor.child.started'; readonly supervisorId: string; readonly childId: string; readonly actorId: string }
  | { readonly type: 'supervisor.child.restarted'; readonly supervisorId: string; readonly childId: string; readonly actorId: string; readonly restarts: number }
  | {
      readonly type: 'supervisor.child.exited';
      readonly supervisorId: string;
      readonly childId: string;
      readonly exit: 'normal' | 'error';
      /** The child's error; undefined for a normal exit. */
      readonly error: unknown;
      /** Restart delay when the child will be started again; undefined when it will not (or the supervisor escalates). */
      readonly restartInMs: number | undefined;
    }
  | { readonly type: 'supervisor.child.stopped'; readonly supervisorId: string; readonly childId: string; readonly reason: StopReason }
  | { readonly type: 'supervisor.escalated'; readonly supervisorId: string; readonly error: SupervisorEscalationError };
