import { Counter, type Registry } from 'prom-client';
import type { TaskRecord, TaskStatus } from '../../actors/taskStore.js';
import { TASK_TYPES } from '../../gateways/http/taskRoutes.js';
import { OTHER } from './boundedLabel.js';

/** Tasks whose last status is remembered, to tell a move from an update that keeps the status. */
const REMEMBERED_TASKS = 10_000;

/**
 * `orderly_task_status_changes_total{type,status}`: tasks entering each status, counted from
 * the task changes this instance makes (the job pool's and the enqueuer's `onChange`). The task
 * stores keep no count by status, so tasks are counted as they move; an update that keeps the
 * status (a worker bumping `attempts`) is not a move.
 */
export function createTaskMetrics(registry: Registry): (record: TaskRecord) => void {
  const changes = new Counter({
    name: 'orderly_task_status_changes_total',
    help: 'Tasks entering each status (queued, running, succeeded, failed, dead), by task type.',
    labelNames: ['type', 'status'],
    registers: [registry],
  });
  const types = new Set<string>(TASK_TYPES);
  const last = new Map<string, TaskStatus>();
  return (record) => {
    const previous = last.get(record.taskId);
    // Final statuses are left for good; `failed` may be retried.
    if (record.status === 'succeeded' || record.status === 'dead') last.delete(record.taskId);
    else {
      last.delete(record.taskId); // re-inserted at the end: the map is oldest first
      last.set(record.taskId, record.status);
      if (last.size > REMEMBERED_TASKS) last.delete(last.keys().next().value!);
    }
    if (previous === record.status) return;
    changes.inc({ type: types.has(record.type) ? record.type : OTHER, status: record.status });
  };
}
