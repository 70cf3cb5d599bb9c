import type { OutboundMessage } from '../../streams/source.js';
import type { TaskJson } from '../taskStore.js';

/**
 * A task on its way through the broker: enough for any worker to run it, even one that finds no
 * record in the task store (a producer that published it directly, like the Go original's).
 * The task store stays the truth about its status and attempts.
 */
export interface TaskMessage {
  /** The task's id: the store key, the broker's message id and the hub topic `tasks:<taskId>`. */
  readonly taskId: string;
  /** The job kind (`email`, `report`); also the routing key it was published with. */
  readonly type: string;
  /** Who asked for it: the only non-admin who may see it. */
  readonly ownerId: string;
  /** The job's input, checked by its handler when it runs. */
  readonly payload: TaskJson;
  readonly correlationId?: string;
}

/** Task ids are printable ASCII without spaces, so that `tasks:<id>` is a valid hub topic. */
export const TASK_ID = /^[\x21-\x7e]{1,150}$/;

/** The owner a task published without one belongs to: only admins see it. */
export const SYSTEM_OWNER = 'system';

const utf8 = new TextEncoder();

/** The message as JSON bytes, keyed by the task id (a broker that partitions keeps one task together). */
export function encodeTaskMessage(task: TaskMessage): OutboundMessage {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'message-id': task.taskId, 'x-task-type': task.type };
  if (task.correlationId !== undefined) headers['correlation_id'] = task.correlationId;
  const body = { taskId: task.taskId, type: task.type, ownerId: task.ownerId, payload: task.payload };
  return { body: utf8.encode(JSON.stringify(body)), headers, key: task.taskId };
}
