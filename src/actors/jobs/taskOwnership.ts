import type { TaskJson, TaskRecord } from '../taskStore.js';
import { SYSTEM_OWNER } from './taskMessage.js';

/**
 * A task record has no owner field, so the jobs keep `{ ownerId, input }` as its payload: the
 * owner travels with the task through every store, and `GET /tasks/:id` and the hub's
 * `tasks:<id>` topic can check it.
 */
export interface OwnedPayload {
  readonly ownerId: string;
  readonly input: TaskJson;
}

export const ownedPayload = (ownerId: string, input: TaskJson): TaskJson => ({ ownerId, input });

/** The owner of `record`; `system` (admins only) for a payload that does not name one. */
export function ownerOf(record: Pick<TaskRecord, 'payload'>): string {
  const payload = record.payload;
  if (isOwned(payload)) return payload.ownerId;
  return SYSTEM_OWNER;
}

/** What the handler gets: the payload's `input`, or the whole payload when it is not wrapped. */
export function inputOf(record: Pick<TaskRecord, 'payload'>): TaskJson {
  const payload = record.payload;
  return isOwned(payload) ? payload.input : payload;
}

function isOwned(payload: TaskJson): payload is TaskJson & OwnedPayload {
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload) && typeof (payload as { ownerId?: unknown }).ownerId === 'string' && 'input' in payload;
}
