import type { InboundMessage } from '../../streams/delivery.js';
import type { TaskJson } from '../taskStore.js';
import { SYSTEM_OWNER, TASK_ID, type TaskMessage } from './taskMessage.js';

export type DecodedTaskMessage = { readonly ok: true; readonly task: TaskMessage } | { readonly ok: false; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a task message: a JSON object with `taskId` (or the Go producers' `id`), `type`, `ownerId`
 * and `payload`. A message without `type` takes `channelType`, the routing key it came by; one
 * without `ownerId` belongs to `system` (admins only). Never throws: bad input is a value, for
 * the pool to dead-letter.
 */
export function decodeTaskMessage(message: InboundMessage, channelType: string, maxBodyBytes: number): DecodedTaskMessage {
  if (message.body.byteLength > maxBodyBytes) return { ok: false, message: `body of ${message.body.byteLength} bytes is over ${maxBodyBytes}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(message.body));
  } catch {
    return { ok: false, message: 'body is not UTF-8 JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, message: 'body is not a JSON object' };
  const body = parsed as Record<string, unknown>;
  const taskId = body.taskId ?? body.id ?? message.headers['message-id'];
  if (typeof taskId !== 'string' || !TASK_ID.test(taskId)) return { ok: false, message: 'taskId must be 1 to 150 printable ASCII characters without spaces' };
  const type = body.type ?? channelType;
  if (typeof type !== 'string' || type === '') return { ok: false, message: 'type must be a non-empty string' };
  const ownerId = body.ownerId ?? SYSTEM_OWNER;
  if (typeof ownerId !== 'string' || ownerId === '') return { ok: false, message: 'ownerId must be a non-empty string' };
  const correlationId = message.headers['correlation_id'];
  return {
    ok: true,
    task: { taskId, type, ownerId, payload: (body.payload ?? null) as TaskJson, ...(correlationId ? { correlationId } : {}) },
  };
}
