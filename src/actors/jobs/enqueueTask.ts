import { systemClock, type Clock } from '../../domain/clock.js';
import type { Sink } from '../../streams/source.js';
import { TaskExistsError, type TaskJson, type TaskRecord, type TaskStore } from '../taskStore.js';
import { encodeTaskMessage } from './taskMessage.js';
import { ownedPayload } from './taskOwnership.js';

export interface TaskRequest {
  readonly type: string;
  readonly ownerId: string;
  readonly payload: TaskJson;
  /** A caller that must not enqueue one thing twice names it (a paid order's email). @default a new id */
  readonly taskId?: string;
  readonly correlationId?: string;
}

export interface TaskEnqueuerDeps {
  readonly store: TaskStore;
  /** Where task messages are published; `publish` resolves once the broker has the message. */
  readonly sink: Sink;
  /** The channel of a task type (its routing key), e.g. the type itself. */
  readonly channelOf: (type: string) => string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Told the stored `queued` task (and the `dead` one if the broker refused it), for progress. */
  readonly onChange?: (record: TaskRecord) => void;
}

export type TaskEnqueuer = (request: TaskRequest) => Promise<TaskRecord>;

/**
 * The 202 pattern's write side: stores the task `queued`, then publishes it and resolves only
 * once the broker has it, so a task the caller was told about is never lost to a crash. Stored
 * first so that `GET /tasks/:id` finds it at once; a publish the broker refuses marks the task
 * `dead` (nothing will run it) and rejects with `TaskNotEnqueuedError`. A task id that exists
 * already rejects with the store's `TaskExistsError` and publishes nothing.
 */
export function createTaskEnqueuer(deps: TaskEnqueuerDeps): TaskEnqueuer {
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const announce = (record: TaskRecord) => {
    try {
      deps.onChange?.(record);
    } catch {
      // Progress is best effort.
    }
  };
  return async (request) => {
    const record = queuedRecord(request, request.taskId ?? newId(), clock);
    await deps.store.create(record);
    announce(record);
    const message = taskMessage(record.taskId, request);
    try {
      await deps.sink.publish(deps.channelOf(record.type), message);
    } catch (cause) {
      // Only when the publish failed for sure would "dead" be true; a timeout may still have
      // reached the broker, and then its worker finds the task dead and only acks: never run
      // twice, never reported as running when nothing runs it.
      const dead = await deps.store
        .update(record.taskId, record.version, { status: 'dead', error: 'the broker did not take the task', updatedAt: new Date(clock.now()).toISOString() })
        .catch(() => undefined);
      if (dead) announce(dead);
      throw new TaskNotEnqueuedError(record.taskId, { cause });
    }
    return record;
  };
}

/**
 * For a caller that names its task and may ask again (a paid order's email, asked by every
 * delivery of its status event): resolves once the task exists and its message has reached the
 * broker at least once since it was stored. A task already stored `queued` is published again,
 * since an earlier try may have stopped between the store and the broker (a duplicate delivery
 * is harmless: a worker claims a task by compare-and-set); a task already further along is left
 * alone. A refused publish rejects and leaves the task `queued`, for the caller to try again.
 */
export function createEnsureEnqueued(deps: TaskEnqueuerDeps): (request: TaskRequest & { readonly taskId: string }) => Promise<void> {
  const clock = deps.clock ?? systemClock;
  return async (request) => {
    const record = queuedRecord(request, request.taskId, clock);
    try {
      await deps.store.create(record);
      deps.onChange?.(record);
    } catch (error) {
      if (!(error instanceof TaskExistsError)) throw error;
      const existing = await deps.store.get(request.taskId);
      if (existing?.status !== 'queued') return;
    }
    const message = taskMessage(record.taskId, request);
    await deps.sink.publish(deps.channelOf(record.type), message);
  };
}

/** The broker did not confirm the task; it is marked `dead` and will not run. */
export class TaskNotEnqueuedError extends Error {
  override readonly name = 'TaskNotEnqueuedError';
  constructor(
    readonly taskId: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`task ${taskId} was not enqueued: the broker did not confirm it`, options);
  }
}

/** A new task as `create` stores it: `queued`, version 1, the owner kept inside the payload. */
function queuedRecord(request: TaskRequest, taskId: string, clock: Clock): TaskRecord {
  const now = new Date(clock.now()).toISOString();
  return { taskId, type: request.type, status: 'queued', attempts: 0, payload: ownedPayload(request.ownerId, request.payload), createdAt: now, updatedAt: now, version: 1 };
}

/** What goes on the broker for a task. */
function taskMessage(taskId: string, request: TaskRequest) {
  return encodeTaskMessage({
    taskId,
    type: request.type,
    ownerId: request.ownerId,
    payload: request.payload,
    ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
  });
}
