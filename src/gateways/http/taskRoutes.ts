import type { FastifyInstance } from 'fastify';
import type { TaskEnqueuer } from '../../actors/jobs/enqueueTask.js';
import type { OrderStore } from '../../actors/orderStore.js';
import type { TaskJson, TaskRecord, TaskStore } from '../../actors/taskStore.js';
import { mayRead } from '../../domain/principal.js';
import { principalOfRequest, requireAuthentication, type HttpAuth } from './auth/index.js';

/** The task types the API accepts. */
export const TASK_TYPES = ['email', 'report'] as const;

export interface TaskRouteDeps {
  readonly auth: Pick<HttpAuth, 'verifyAuthorization'>;
  /** Read side of `GET /tasks/:id`. */
  readonly tasks: Pick<TaskStore, 'get'>;
  /** Stores the task `queued` and resolves once the broker has it (`createTaskEnqueuer`). */
  readonly enqueue: TaskEnqueuer;
  /** Whose order an email is about. */
  readonly orders: Pick<OrderStore, 'load'>;
  /** The payload problems of a task type (the job's own schema), or undefined when it is valid. */
  readonly checkPayload: (type: (typeof TASK_TYPES)[number], payload: unknown) => string | undefined;
  /** Who owns a stored task (it travels in the payload; see `taskOwnership`). */
  readonly ownerOf: (record: TaskRecord) => string;
  /** The task as the API shows it (`taskView`). */
  readonly view: (record: TaskRecord) => object;
}

/**
 * The 202 pattern for jobs, in a scope of its own behind `requireAuthentication` (so register it
 * on the root instance, beside the other scopes, not inside one that already has it):
 *
 * - `POST /tasks` `{type, payload}` → `202 {taskId, status: "queued"}` with `Location:
 *   /tasks/<taskId>`, answered only once the broker confirmed the task. `email` (payload
 *   `{orderId, to?}`): a user for their own orders only (anyone else's is `404`, as a missing
 *   one), `to` is for admins only (`403`: no mailing arbitrary addresses). `report` (payload
 *   `{from?, to?}`): admins only (`403`), it reads every order. Producers may do neither (`403`).
 *   `400` for an unknown type or an invalid payload; `503` when the store or the broker is down.
 * - `GET /tasks/:id` → `{taskId, type, status, attempts, result?, error?, createdAt, updatedAt}`
 *   for its owner and admins; `404` for anyone else, exactly as for a missing task.
 */
export function registerTaskRoutes(app: FastifyInstance, deps: TaskRouteDeps): void {
  void app.register(async (scope) => {
    requireAuthentication(scope, deps.auth);

    scope.post('/tasks', { config: { roles: ['user'] } }, async (request, reply) => {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reply.code(400).send({ error: 'validation', message: 'body must be a JSON object {type, payload}' });
      }
      const { type, payload = {} } = body as { type?: unknown; payload?: unknown };
      if (!TASK_TYPES.includes(type as (typeof TASK_TYPES)[number])) {
        return reply.code(400).send({ error: 'unknown_type', message: `type must be one of ${TASK_TYPES.join(', ')}` });
      }
      const taskType = type as (typeof TASK_TYPES)[number];
      const problem = deps.checkPayload(taskType, payload);
      if (problem !== undefined) return reply.code(400).send({ error: 'validation', message: problem });
      const principal = principalOfRequest(request);
      if (taskType === 'report' && principal.role !== 'admin') {
        return reply.code(403).send({ error: 'forbidden', message: 'reports read every order: admins only' });
      }
      if (taskType === 'email') {
        const { orderId, to } = payload as { orderId: string; to?: string };
        if (to !== undefined && principal.role !== 'admin') {
          return reply.code(403).send({ error: 'forbidden', message: 'only admins may choose the recipient' });
        }
        const order = await deps.orders.load(orderId);
        if (!order?.view || !mayRead(principal, order.view.userId)) return reply.code(404).send({ error: 'not_found', message: `no order ${orderId}` });
      }
      let record: TaskRecord;
      try {
        // The request's correlation id (the caller's, or a fresh one) goes with the task to the broker.
        record = await deps.enqueue({ type: taskType, ownerId: principal.userId, payload: payload as TaskJson, correlationId: request.id });
      } catch (error) {
        request.log.warn({ err: error }, 'task not enqueued');
        return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'the task could not be queued; try again' });
      }
      return reply
        .code(202)
        .header('location', `/tasks/${encodeURIComponent(record.taskId)}`)
        .send({ taskId: record.taskId, status: 'queued' });
    });

    scope.get<{ Params: { id: string } }>('/tasks/:id', async (request, reply) => {
      const record = await deps.tasks.get(request.params.id);
      if (!record || !mayRead(principalOfRequest(request), deps.ownerOf(record))) {
        return reply.code(404).send({ error: 'not_found', message: `no task ${request.params.id}` });
      }
      return deps.view(record);
    });
  });
}
