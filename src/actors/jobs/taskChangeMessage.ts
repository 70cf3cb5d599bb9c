import type { HubMessage } from '../hub/hubMessage.js';
import { taskTopic } from '../hub/topic.js';
import type { TaskRecord } from '../taskStore.js';
import { ownerOf } from './taskOwnership.js';
import { taskView } from './taskView.js';

/**
 * The publisher side of task progress, as `orderChangeMessage` is for orders: one stored change
 * of a task on `tasks:<taskId>`, owned by the task's owner so that the hub shows it to them and to
 * admins only. `event` is `{ task }`, the task as `GET /tasks/:id` shows it.
 */
export function taskChangeMessage(record: TaskRecord): HubMessage {
  return { topics: [taskTopic(record.taskId)], ownerId: ownerOf(record), event: { task: taskView(record) } };
}
