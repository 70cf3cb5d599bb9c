import { systemClock, type Clock } from '../../domain/clock.js';
import {
  applyTaskChanges,
  checkExpectedVersion,
  checkNewTaskRecord,
  isFinishedTaskStatus,
  TaskExistsError,
  TaskNotFoundError,
  TaskVersionConflictError,
  type TaskRecord,
  type TaskStore,
} from '../../actors/taskStore.js';

export interface MemoryTaskStoreOptions {
  /**
   * Most tasks kept. A create past it first drops the finished task that finished longest ago
   * (its result is the least likely to be asked for again); when every task is still active it
   * rejects with `TaskStoreFullError`, because dropping an active task would lose work.
   * @default 100_000
   */
  readonly maxTasks?: number;
  /** How long a finished task (`succeeded`, `failed`, `dead`) is kept after the update that finished it. @default 86_400_000 (a day) */
  readonly retentionMs?: number;
}

export interface MemoryTaskStore extends TaskStore {
  /** Number of tasks stored, finished ones past their retention not counted. */
  readonly size: number;
}

/**
 * The embedded task store. Records are kept as JSON, so a caller can never change what is
 * stored through a reference it still holds. Finished tasks sit in `finished` in the order they
 * finished, which is also the order they expire in: forgetting them is a walk from its front.
 */
export function createMemoryTaskStore(options: MemoryTaskStoreOptions = {}, deps: { clock?: Clock } = {}): MemoryTaskStore {
  const maxTasks = options.maxTasks ?? 100_000;
  if (!Number.isSafeInteger(maxTasks) || maxTasks < 1) throw new RangeError(`maxTasks must be a positive integer, got ${maxTasks}`);
  const retentionMs = options.retentionMs ?? 86_400_000;
  if (!Number.isSafeInteger(retentionMs) || retentionMs < 1) throw new RangeError(`retentionMs must be a positive integer, got ${retentionMs}`);
  const clock = deps.clock ?? systemClock;
  const rows = new Map<string, string>();
  /** Finished task ids → when they expire, oldest first. */
  const finished = new Map<string, number>();

  const forgetExpired = () => {
    const now = clock.now();
    for (const [taskId, expiresAt] of finished) {
      if (expiresAt > now) break;
      finished.delete(taskId);
      rows.delete(taskId);
    }
  };
  const read = (taskId: string): TaskRecord | undefined => {
    forgetExpired();
    const data = rows.get(taskId);
    return data === undefined ? undefined : (JSON.parse(data) as TaskRecord);
  };

  return {
    get size() {
      forgetExpired();
      return rows.size;
    },
    async create(record) {
      checkNewTaskRecord(record);
      if (read(record.taskId)) throw new TaskExistsError(record.taskId);
      if (rows.size >= maxTasks) {
        const oldest = finished.keys().next();
        if (oldest.done) throw new TaskStoreFullError(maxTasks);
        finished.delete(oldest.value);
        rows.delete(oldest.value);
      }
      rows.set(record.taskId, JSON.stringify(record));
    },
    async get(taskId) {
      return read(taskId);
    },
    async update(taskId, expectedVersion, changes) {
      checkExpectedVersion(taskId, expectedVersion);
      const current = read(taskId);
      if (!current) throw new TaskNotFoundError(taskId);
      if (current.version !== expectedVersion) throw new TaskVersionConflictError(taskId, expectedVersion, current.version);
      const data = JSON.stringify(applyTaskChanges(current, changes));
      rows.set(taskId, data);
      const next = JSON.parse(data) as TaskRecord; // what is stored, as `get` would give it
      // Re-inserted at the back: the retention counts from the latest update into a finished status.
      finished.delete(taskId);
      if (isFinishedTaskStatus(next.status)) finished.set(taskId, clock.now() + retentionMs);
      return next;
    },
  };
}

/** The embedded task store holds `maxTasks` tasks and none of them has finished. */
export class TaskStoreFullError extends Error {
  override readonly name = 'TaskStoreFullError';
  constructor(readonly maxTasks: number) {
    super(`task store is full (${maxTasks} active tasks); raise ORDERLY_MEMORY_MAX_TASKS or use the Redis store`);
  }
}
