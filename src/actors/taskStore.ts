/**
 * Where job tasks live (the 202 pattern: `POST /tasks` creates one `queued`, the job-worker
 * actors move it along, `GET /tasks/:id` reads it). The store checks every move against
 * `TASK_TRANSITIONS` and writes it with compare-and-set, so two workers that picked up the same
 * task cannot both finish it. Finished tasks (`succeeded`, `failed`, `dead`) are kept for the
 * store's retention and then forgotten; active ones are kept until they finish.
 */
export interface TaskStore {
  /**
   * Stores a new task. `record` must be `queued` with `version` 1 (`IllegalTaskTransitionError`,
   * `RangeError`); an id that is stored already rejects with `TaskExistsError` and changes nothing.
   */
  create(record: TaskRecord): Promise<void>;
  /** The stored task, or undefined when there is none (never created, or past its retention). */
  get(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Applies `changes` only if the stored version is still `expectedVersion`, atomically, and
   * resolves with the new record (version `expectedVersion + 1`). Rejects with
   * `TaskNotFoundError`, `TaskVersionConflictError` (reload and decide again) or
   * `IllegalTaskTransitionError`, checked in that order, and then nothing was written. With any
   * other error the write may or may not have happened, so the caller reloads first.
   */
  update(taskId: string, expectedVersion: number, changes: TaskChanges): Promise<TaskRecord>;
}

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'dead'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A JSON value: what a payload or a result may hold, since every store keeps tasks as JSON. */
export type TaskJson = string | number | boolean | null | readonly TaskJson[] | { readonly [key: string]: TaskJson };

export interface TaskRecord {
  readonly taskId: string;
  /** What kind of job (`email`, `report`); the worker pool picks the handler by it. */
  readonly type: string;
  readonly status: TaskStatus;
  /** Runs started so far; the worker decides retry or `dead` by it. */
  readonly attempts: number;
  readonly payload: TaskJson;
  /** What a `succeeded` task produced. */
  readonly result?: TaskJson;
  /** Why the last attempt failed. */
  readonly error?: string;
  /** RFC 3339 date-times written by the caller; the store does not read them. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 1 when created, incremented by every update: the compare-and-set token. */
  readonly version: number;
}

/**
 * What an update may change. A field left out keeps its value; a field given as `undefined` is
 * removed (a retry clears `error` that way). `updatedAt` is always given.
 */
export interface TaskChanges {
  readonly status?: TaskStatus;
  readonly attempts?: number;
  readonly result?: TaskJson | undefined;
  readonly error?: string | undefined;
  readonly updatedAt: string;
}

/**
 * The legal moves. Staying in an active status is allowed (a worker bumps `attempts`, or takes
 * over a `running` task whose worker crashed). `failed` is a finished attempt that may still be
 * retried; `succeeded` and `dead` are final: nothing leaves them, not even an update that keeps
 * the status. `queued → dead` lets a task that cannot run (unknown type) be parked at once.
 */
export const TASK_TRANSITIONS: { readonly [from in TaskStatus]: readonly TaskStatus[] } = {
  queued: ['queued', 'running', 'dead'],
  running: ['running', 'succeeded', 'failed', 'queued', 'dead'],
  failed: ['failed', 'queued', 'dead'],
  succeeded: [],
  dead: [],
};

/** Statuses after which the store keeps a task only for its retention. */
export const isFinishedTaskStatus = (status: TaskStatus): boolean => status === 'succeeded' || status === 'failed' || status === 'dead';

/** Throws `IllegalTaskTransitionError` unless `from → to` is in `TASK_TRANSITIONS`; `from` undefined is a create. */
export function checkTaskTransition(taskId: string, from: TaskStatus | undefined, to: TaskStatus): void {
  const legal = from === undefined ? to === 'queued' : TASK_TRANSITIONS[from].includes(to);
  if (!legal) throw new IllegalTaskTransitionError(taskId, from, to);
}

/** Throws `RangeError` for a record no store may create: checked before any I/O. */
export function checkNewTaskRecord(record: TaskRecord): void {
  if (typeof record.taskId !== 'string' || record.taskId === '') throw new RangeError('task id must be a non-empty string');
  if (record.version !== 1) throw new RangeError(`task ${record.taskId}: a new task has version 1, got ${record.version}`);
  checkAttempts(record.taskId, record.attempts);
  checkTaskTransition(record.taskId, undefined, record.status);
}

/**
 * The record `update` writes: `current` with `changes` applied and the next version, after the
 * transition check. Shared by every store so that they agree on what an update means.
 */
export function applyTaskChanges(current: TaskRecord, changes: TaskChanges): TaskRecord {
  const status = changes.status ?? current.status;
  checkTaskTransition(current.taskId, current.status, status);
  if (changes.attempts !== undefined) checkAttempts(current.taskId, changes.attempts);
  const next: Record<string, unknown> = { ...current, status, updatedAt: changes.updatedAt, version: current.version + 1 };
  // Only the fields `TaskChanges` names: an id, type or payload smuggled in is never written.
  for (const key of ['attempts', 'result', 'error'] as const) if (key in changes) next[key] = changes[key];
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  return next as unknown as TaskRecord;
}

/** Throws `RangeError` for an expected version that cannot be one. */
export function checkExpectedVersion(taskId: string, expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
    throw new RangeError(`task ${taskId}: expected version must be a positive integer, got ${expectedVersion}`);
  }
}

function checkAttempts(taskId: string, attempts: number): void {
  if (!Number.isSafeInteger(attempts) || attempts < 0) throw new RangeError(`task ${taskId}: attempts must be a non-negative integer, got ${attempts}`);
}

/** `create` was given an id that is stored already; nothing was written. */
export class TaskExistsError extends Error {
  override readonly name = 'TaskExistsError';
  constructor(readonly taskId: string) {
    super(`task ${taskId} exists already`);
  }
}

/** `update` found no task: never created, or forgotten after its retention. */
export class TaskNotFoundError extends Error {
  override readonly name = 'TaskNotFoundError';
  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** Someone else updated this task since it was read; reload and decide again. */
export class TaskVersionConflictError extends Error {
  override readonly name = 'TaskVersionConflictError';
  constructor(
    readonly taskId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`task ${taskId}: expected version ${expectedVersion}, store has ${actualVersion}`);
  }
}

/** The move is not in `TASK_TRANSITIONS` (`from` undefined: a create in another status than `queued`). */
export class IllegalTaskTransitionError extends Error {
  override readonly name = 'IllegalTaskTransitionError';
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus | undefined,
    readonly to: TaskStatus,
  ) {
    super(from === undefined ? `task ${taskId}: a new task is queued, not ${to}` : `task ${taskId}: cannot go from ${from} to ${to}`);
  }
}
