import { TASK_TRANSITIONS, type TaskChanges, type TaskRecord, type TaskStatus, type TaskStore } from '../taskStore.js';

/**
 * The statuses to pass through from `from` to `to` (both excluded), shortest first, by
 * `TASK_TRANSITIONS`: a retried task goes `failed → queued → running`. Undefined when there is no
 * way (out of a final status).
 */
export function taskPath(from: TaskStatus, to: TaskStatus): readonly TaskStatus[] | undefined {
  if (TASK_TRANSITIONS[from].includes(to)) return [];
  const previous = new Map<TaskStatus, TaskStatus>([[from, from]]);
  const queue: TaskStatus[] = [from];
  while (queue.length > 0) {
    const status = queue.shift()!;
    for (const next of TASK_TRANSITIONS[status]) {
      if (previous.has(next)) continue;
      previous.set(next, status);
      if (next === to) {
        const path: TaskStatus[] = [];
        for (let at = previous.get(to)!; at !== from; at = previous.get(at)!) path.unshift(at);
        return path;
      }
      queue.push(next);
    }
  }
  return undefined;
}

/**
 * Applies `changes` to `record` with compare-and-set, through the statuses `taskPath` names
 * (each one a CAS of its own that changes only the status), so every stored move is a legal one.
 * Conflicts and store errors reject as the store gives them; a half-walked path leaves the task
 * in an active status the next run takes over.
 */
export async function moveTask(store: TaskStore, record: TaskRecord, changes: TaskChanges): Promise<TaskRecord> {
  let current = record;
  for (const status of taskPath(record.status, changes.status ?? record.status) ?? []) {
    current = await store.update(current.taskId, current.version, { status, updatedAt: changes.updatedAt });
  }
  return store.update(current.taskId, current.version, changes);
}
