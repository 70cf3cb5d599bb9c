import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { systemClock, type Clock, type TimerHandle } from '../../../domain/clock.js';
import { isAuthFailure, requireAuthentication, type HttpAuth } from '../auth/index.js';
import { DASHBOARD_PAGE_HTML, DASHBOARD_PAGE_SCRIPT, DASHBOARD_PAGE_STYLE } from './dashboardPage.js';
import { dashboardOptions, type DashboardOptions } from './dashboardOptions.js';
import { pagePolicy, sendPage } from '../pagePolicy.js';
import { openEventStream } from '../../sse/openEventStream.js';

export interface DashboardRouteDeps {
  readonly auth: Pick<HttpAuth, 'verifyAuthorization' | 'authenticateRealtimeRequest' | 'originAllowedRequest'>;
  /** The dashboard's state as plain JSON data; read once per frame, whatever the number of streams. */
  readonly snapshot: () => Promise<unknown>;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly options?: Partial<DashboardOptions>;
}

/** As for `/live` (see `pagePolicy`), with the charts' `data:` images. */
const CONTENT_SECURITY_POLICY = pagePolicy({ script: DASHBOARD_PAGE_SCRIPT, style: DASHBOARD_PAGE_STYLE }, ['img-src data:']);

/**
 * Orderly's dashboard:
 *
 * - `GET /`: the page. Open, like `/live`: it holds no data and asks for a token itself.
 * - `GET /dashboard/state` → `200` the state as JSON, admins only (`401`, `403` otherwise).
 * - `GET /dashboard/stream?ticket=` → Server-Sent Events, admins only: `event: state` with the
 *   same JSON at once and then every `intervalMs`. EventSource cannot send headers, so it takes a
 *   single-use ticket from `POST /realtime/ticket` (or `Authorization`, for other clients).
 *   Refusals come before the stream starts: `403` (Origin, or not an admin), `401`, `503` (too
 *   many streams).
 *
 * One timer for all streams, running only while one is open: each tick reads one snapshot and
 * writes the same frame to every stream. A stream whose socket buffer is still full skips the
 * frame (the next one carries the whole state), so a slow reader costs no memory. When the
 * server closes, every stream is ended with a `retry:` hint before the server waits for its
 * connections. Register on the root instance, before `listen`.
 */
export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardRouteDeps): void {
  const options = dashboardOptions(deps.options);
  const clock = deps.clock ?? systemClock;
  const streams = new Set<ServerResponse>();
  let timer: TimerHandle | undefined;
  /** A tick is reading the state: no second timer until it has written its frame. */
  let reading = false;
  let closed = false;

  const stateFrame = async (): Promise<string> => {
    try {
      return `event: state\ndata: ${JSON.stringify(await deps.snapshot())}\n\n`;
    } catch (error) {
      app.log.warn({ err: error }, 'dashboard state not read');
      return `event: problem\ndata: ${JSON.stringify({ message: 'the state could not be read; next try with the next frame' })}\n\n`;
    }
  };
  const schedule = () => {
    if (timer === undefined && !reading && !closed && streams.size > 0) timer = clock.setTimeout(() => void tick(), options.intervalMs);
  };
  const tick = async () => {
    timer = undefined;
    reading = true;
    let frame: string;
    try {
      frame = await stateFrame();
    } finally {
      reading = false;
    }
    for (const res of streams) if (!res.writableNeedDrain) res.write(frame);
    schedule();
  };

  app.get('/', async (_request, reply) => sendPage(reply, DASHBOARD_PAGE_HTML, CONTENT_SECURITY_POLICY));

  void app.register(async (scope) => {
    requireAuthentication(scope, deps.auth);
    scope.get('/dashboard/state', { config: { roles: [] } }, async (_request, reply) => reply.header('cache-control', 'no-store').send(await deps.snapshot()));
  });

  app.get('/dashboard/stream', async (request, reply) => {
    if (!deps.auth.originAllowedRequest(request.raw)) return fail(reply, 403, 'origin_not_allowed', 'origin not allowed');
    let principal: Awaited<ReturnType<typeof deps.auth.authenticateRealtimeRequest>>;
    try {
      principal = await deps.auth.authenticateRealtimeRequest(request.raw);
    } catch (error) {
      request.log.warn({ err: error }, 'dashboard stream: ticket store unavailable');
      return fail(reply.header('retry-after', '1'), 503, 'unavailable', 'tickets cannot be checked right now');
    }
    if (isAuthFailure(principal)) return fail(reply, 401, 'unauthorized', principal.reason);
    if (principal.role !== 'admin') return fail(reply, 403, 'forbidden', `role ${principal.role} may not do this; it needs admin`);
    if (closed) return fail(reply, 503, 'closing', 'shutting down');
    if (streams.size >= options.maxStreams) return fail(reply, 503, 'too_many_streams', 'too many dashboard streams');

    const res = openEventStream(reply, options.retryMs);
    streams.add(res);
    res.on('close', () => {
      streams.delete(res);
      if (streams.size === 0 && timer !== undefined) {
        clock.clearTimeout(timer);
        timer = undefined;
      }
    });
    // The first frame at once: the page shows the state without waiting a whole interval.
    const first = await stateFrame();
    if (!res.writableEnded) res.write(first);
    schedule();
  });

  app.addHook('preClose', async () => {
    closed = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    for (const res of streams) {
      res.end(`retry: ${options.retryMs}\n: closed, shutting down\n\n`);
      const grace = clock.setTimeout(() => res.destroy(), options.closeGraceMs);
      res.once('close', () => clock.clearTimeout(grace));
    }
  });
}

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: code, message });
}
