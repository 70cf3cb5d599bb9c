import { moveTask } from './moveTask.js';
import { TaskVersionConflictError, type TaskChanges, type TaskRecord, type TaskStore, type TaskStatus } from '../taskStore.js';

/** Final statuses: nothing leaves them, so whoever writes one first has finished the task. */
export const isFinalTaskStatus = (status: TaskStatus): boolean => status === 'succeeded' || status === 'dead';

export type TaskWrite =
  /** Our change is stored. */
  | { readonly applied: true; readonly record: TaskRecord }
  /** Someone else finished the task, or (for a `failed`) claimed it again after us: theirs stands. */
  | { readonly applied: false; readonly record: TaskRecord };

/** Conflicts `writeTask` resolves before it gives up with the last one. */
const MAX_CONFLICTS = 5;

/**
 * Moves `record` to `changes.status` with compare-and-set, deciding again on every conflict:
 * - the task became final meanwhile: nothing is written (its first finisher stands);
 * - a `failed` meets a newer claim (more attempts): nothing is written, the newer run owns it;
 * - otherwise the change is applied to the reloaded record, through the statuses `moveTask` walks.
 * So a task is finished at most once whatever runs race, and the CAS is the only lock. Store
 * errors other than conflicts reject; so does a sixth conflict in a row.
 */
export async function writeTask(store: TaskStore, record: TaskRecord, changes: TaskChanges): Promise<TaskWrite> {
  const target = changes.status ?? record.status;
  let current = record;
  for (let conflicts = 0; ; conflicts++) {
    try {
      return { applied: true, record: await moveTask(store, current, changes) };
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError) || conflicts >= MAX_CONFLICTS) throw error;
      const reloaded = await store.get(record.taskId);
      if (!reloaded) throw error;
      if (isFinalTaskStatus(reloaded.status)) return { applied: false, record: reloaded };
      if (target === 'failed' && reloaded.attempts > record.attempts) return { applied: false, record: reloaded };
      current = reloaded;
    }
  }
}
