const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * A supervisor gave up: one more restart would have gone past its intensity. By the time this
 * is raised it has stopped all its children (in reverse order); the error is the supervisor's
 * own failure, seen by its parent as `xstate.error.actor.<id>` and by observers of a root
 * supervisor through `subscribe({ error })` / `toPromise(actor)` rejecting.
 */
export class SupervisorEscalationError extends Error {
  override readonly name = 'SupervisorEscalationError';
  constructor(
    /** Actor id of the supervisor that gave up. */
    readonly supervisorId: string,
    /** The child whose exit was one too many. */
    readonly childId: string,
    /** How that child exited; `normal` is a permanent child that completed. */
    readonly exit: 'normal' | 'error',
    /** The intensity and period that were exceeded. */
    readonly limit: { readonly intensity: number; readonly periodMs: number },
    /** The child's error (undefined for a normal exit). */
    options: { cause: unknown },
  ) {
    super(
      `supervisor ${supervisorId}: child ${childId} ${exit === 'error' ? `failed (${reason(options.cause)})` : 'completed'}` +
        ` past ${limit.intensity} restart(s) in ${limit.periodMs} ms; escalating`,
      options,
    );
  }
}
