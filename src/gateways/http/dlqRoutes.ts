import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_DEAD_LETTER_PAGE, type DeadLetterEntry, type DeadLetterFilter, type DeadLetterStore } from '../../streams/deadLetterStore.js';
import type { DeadLetterCode } from '../../streams/delivery.js';
import type { ReplayResult } from '../../streams/replayDeadLetter.js';
import { requireAuthentication, type HttpAuth } from './auth/index.js';

/** Every reason a dead letter can have: what `?reason=` accepts. */
export const DEAD_LETTER_CODES: readonly DeadLetterCode[] = ['decode', 'unknown-type', 'unknown-version', 'validation', 'forbidden-transition', 'orphan', 'max-attempts'];

export interface DlqRouteDeps {
  readonly auth: Pick<HttpAuth, 'verifyAuthorization'>;
  /** The dead-letter index the routes browse and delete from. */
  readonly store: Pick<DeadLetterStore, 'get' | 'list' | 'delete'>;
  /** Re-publishes the entry's original message to its original channel, then removes it (`replayDeadLetter`). */
  readonly replay: (entry: DeadLetterEntry) => Promise<ReplayResult>;
}

/** What `GET /dlq` shows of each entry: everything but the original bytes and the order's context (`GET /dlq/:id` has them). */
export type DeadLetterSummary = Omit<DeadLetterEntry, 'original' | 'context'> & { readonly hasContext: boolean };

const summary = ({ original: _original, context, ...rest }: DeadLetterEntry): DeadLetterSummary => ({ ...rest, hasContext: context !== undefined });

interface FilterQuery {
  readonly reason?: string;
  readonly type?: string;
  readonly order?: string;
  readonly limit?: string | number;
}

/**
 * Dead-letter operations, admins only (a dead letter may hold anyone's order), in a scope of
 * their own behind `requireAuthentication` — register on the root instance, not inside a scope
 * that already has it. `401` without a valid token, `403` for any role but admin.
 *
 * - `GET /dlq?reason=&type=&order=&limit=` → `200 {entries, count}`, newest first, summaries.
 * - `GET /dlq/:id` → `200` the whole entry (original message base64, context); `404`.
 * - `POST /dlq/:id/replay` → `200 {replayed}` once the broker has the original message again
 *   (same bytes, same event id: dedup holds) and the entry is gone; `404`; `503` when the broker refused.
 * - `POST /dlq/replay` `{reason?, type?, order?, limit?}` (or `{all: true}`) → `200 {replayed, failed}`;
 *   at most one page (`limit`, default 100) per call. `400` without any filter and without `all`.
 * - `DELETE /dlq/:id` → `200 {deleted}`: true when it was there. Idempotent. The broker's copy stays.
 */
export function registerDlqRoutes(app: FastifyInstance, deps: DlqRouteDeps): void {
  void app.register(async (scope) => {
    requireAuthentication(scope, deps.auth);
    const adminOnly = { config: { roles: [] } };

    scope.get<{ Querystring: FilterQuery }>('/dlq', adminOnly, async (request, reply) => {
      const filter = filterOf(request.query, reply);
      if (!filter) return reply;
      const entries = await deps.store.list(filter);
      return { entries: entries.map(summary), count: entries.length };
    });

    scope.get<{ Params: { id: string } }>('/dlq/:id', adminOnly, async (request, reply) => {
      const entry = await deps.store.get(request.params.id);
      return entry ?? notFound(reply, request.params.id);
    });

    scope.post<{ Params: { id: string } }>('/dlq/:id/replay', adminOnly, async (request, reply) => {
      const entry = await deps.store.get(request.params.id);
      if (!entry) return notFound(reply, request.params.id);
      try {
        return { replayed: await deps.replay(entry) };
      } catch (error) {
        request.log.warn({ err: error, id: entry.id }, 'dead letter not replayed');
        return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: error instanceof Error ? error.message : String(error) });
      }
    });

    scope.post<{ Body: (FilterQuery & { all?: boolean }) | undefined }>('/dlq/replay', adminOnly, async (request, reply) => {
      const body = request.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) return reply.code(400).send({ error: 'validation', message: 'body must be a JSON object' });
      const filter = filterOf(body, reply);
      if (!filter) return reply;
      if (filter.reason === undefined && filter.eventType === undefined && filter.orderKey === undefined && body.all !== true) {
        return reply.code(400).send({ error: 'validation', message: 'name a filter (reason, type, order) or send {"all": true}' });
      }
      const replayed: ReplayResult[] = [];
      const failed: { id: string; error: string }[] = [];
      // One at a time, oldest first: replayed events of one order reach its channel in the order they first came.
      for (const entry of (await deps.store.list(filter)).reverse()) {
        try {
          replayed.push(await deps.replay(entry));
        } catch (error) {
          failed.push({ id: entry.id, error: error instanceof Error ? error.message : String(error) });
        }
      }
      return { replayed, failed };
    });

    scope.delete<{ Params: { id: string } }>('/dlq/:id', adminOnly, async (request) => ({ deleted: await deps.store.delete(request.params.id) }));
  });
}

function notFound(reply: FastifyReply, id: string): FastifyReply {
  return reply.code(404).send({ error: 'not_found', message: `no dead letter ${id}` });
}

/** The filter a query or body asks for, or undefined once a `400` naming the bad field is sent. */
function filterOf(query: FilterQuery, reply: FastifyReply): DeadLetterFilter | undefined {
  const { reason, type, order, limit } = query;
  const bad = (message: string) => void reply.code(400).send({ error: 'validation', message });
  if (reason !== undefined && !DEAD_LETTER_CODES.includes(reason as DeadLetterCode)) return bad(`reason must be one of ${DEAD_LETTER_CODES.join(', ')}`);
  for (const [name, value] of [['type', type], ['order', order]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 256)) return bad(`${name} must be a non-empty string of at most 256 characters`);
  }
  const size = limit === undefined ? undefined : Number(limit);
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1 || size > MAX_DEAD_LETTER_PAGE)) return bad(`limit must be a whole number from 1 to ${MAX_DEAD_LETTER_PAGE}`);
  return {
    ...(reason === undefined ? {} : { reason: reason as DeadLetterCode }),
    ...(type === undefined ? {} : { eventType: type }),
    ...(order === undefined ? {} : { orderKey: order }),
    ...(size === undefined ? {} : { limit: size }),
  };
}
