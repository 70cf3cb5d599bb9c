import type { DeadLetterCode } from '../../streams/delivery.js';
import type { TaskJson } from '../taskStore.js';

/** What a handler knows about the run it is asked to do. */
export interface JobContext {
  readonly taskId: string;
  readonly type: string;
  readonly ownerId: string;
  /** 1 on the first run; counts runs started, crashed ones included. */
  readonly attempt: number;
  /** Aborted when the worker is stopped (shutdown past its deadline, a crash of the pool). */
  readonly signal: AbortSignal;
}

/**
 * One kind of job. `run` resolves with the task's result (JSON, kept in the task store) or
 * throws: a `PermanentTaskError` parks the task as `dead` at once, anything else is transient
 * and retried with backoff up to the attempt limit. A run may be repeated after a crash, so its
 * effect must be safe to repeat (the email outbox overwrites one file per task).
 */
export interface JobHandler {
  run(input: TaskJson, context: JobContext): Promise<TaskJson>;
}

/** A failure no retry can fix (invalid input, something that is not there to find). */
export class PermanentTaskError extends Error {
  override readonly name = 'PermanentTaskError';
  constructor(
    message: string,
    readonly code: DeadLetterCode = 'validation',
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
