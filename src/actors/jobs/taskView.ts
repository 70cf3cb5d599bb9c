import type { TaskJson, TaskRecord, TaskStatus } from '../taskStore.js';

/** A task as `GET /tasks/:id` and the hub's `tasks:<id>` topic show it: no payload, no owner. */
export interface TaskView {
  readonly taskId: string;
  readonly type: string;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly result?: TaskJson;
  readonly error?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function taskView(record: TaskRecord): TaskView {
  return {
    taskId: record.taskId,
    type: record.type,
    status: record.status,
    attempts: record.attempts,
    ...(record.result === undefined ? {} : { result: record.result }),
    ...(record.error === undefined ? {} : { error: record.error }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
