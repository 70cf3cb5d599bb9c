import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RealtimeHub } from '../../actors/hub/realtimeHub.js';
import type { SessionTransport } from '../../actors/hub/sessionTransport.js';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import { isAuthFailure, type AuthenticateRealtime, type OriginAllowed } from '../websocket/realtimeAuth.js';
import { sseOptions, type SseOptions } from './sseOptions.js';
import { openEventStream } from './openEventStream.js';

export interface SseDeps {
  readonly hub: RealtimeHub;
  readonly authenticate: AuthenticateRealtime;
  /** Checked too when given: EventSource sends `Origin` on cross-site requests. */
  readonly originAllowed?: OriginAllowed;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly options?: Partial<SseOptions>;
}

/** Close codes from the hub that mean "this client misbehaved": its stream is cut at once, unread data and all. */
const CUT_AT_ONCE = new Set([1008, 1013]);

/**
 * `GET /events/stream?topic=<topic>`: one topic as Server-Sent Events, with the same auth and
 * scopes as the WebSocket. Each frame is `id: <seq>` (when it has one), `event: <type>` and the
 * same JSON as the WebSocket frame in `data:`. `Last-Event-ID` resumes after that sequence
 * number. One topic per stream, because one `Last-Event-ID` can only name a position in one.
 * Refusals come before the stream starts: 401, 403 (foreign topic or Origin), 400, 503.
 */
export function registerSseRoutes(app: FastifyInstance, deps: SseDeps): void {
  const options = sseOptions(deps.options);
  const clock = deps.clock ?? systemClock;

  app.get(options.path, async (request, reply) => {
    if (deps.originAllowed && !(await deps.originAllowed(request.raw))) return fail(reply, 403, 'origin_not_allowed', 'origin not allowed');
    const result = await deps.authenticate(request.raw);
    if (isAuthFailure(result)) return fail(reply, 401, 'unauthorized', result.reason);
    const topic = (request.query as Record<string, unknown>).topic;
    if (typeof topic !== 'string') return fail(reply, 400, 'invalid_topic', 'give exactly one topic: ?topic=order:<id>');
    // A browser's own EventSource retry sends the header; a page that reconnects on a fresh
    // ticket (a ticket works once) opens a new EventSource, which cannot, so it says `?lastEventId=`.
    const lastEventId = request.headers['last-event-id'] ?? (request.query as Record<string, unknown>).lastEventId;
    let since: number | undefined;
    if (lastEventId !== undefined) {
      since = Number(lastEventId);
      if (typeof lastEventId !== 'string' || !/^\d{1,16}$/.test(lastEventId) || !Number.isSafeInteger(since)) {
        return fail(reply, 400, 'invalid_last_event_id', 'Last-Event-ID must be a sequence number');
      }
    }
    const refusal = await deps.hub.authorise(result, topic);
    if (refusal) return fail(reply, refusal.code === 'forbidden' ? 403 : refusal.code === 'lookup_failed' ? 503 : 400, refusal.code, refusal.message);
    if (deps.hub.full) return fail(reply, 503, 'too_many_connections', 'too many real-time connections');

    const res = openEventStream(reply, options.retryMs);
    let heartbeat: TimerHandle | undefined;
    let grace: TimerHandle | undefined;
    const transport: SessionTransport = {
      send: (frame, type, seq) => res.write(seq === undefined ? `event: ${type}\ndata: ${frame}\n\n` : `id: ${seq}\nevent: ${type}\ndata: ${frame}\n\n`),
      get bufferedAmount() {
        return res.writableLength;
      },
      close: (code, reason) => {
        if (CUT_AT_ONCE.has(code)) return void res.destroy();
        // Going away (shutdown): repeat the `retry:` hint so the browser comes back on its own.
        const retry = code === 1001 ? `retry: ${options.retryMs}\n` : '';
        res.end(`${retry}: closed ${code} ${reason.replace(/[\r\n]/g, ' ')}\n\n`);
        grace ??= clock.setTimeout(() => res.destroy(), options.closeGraceMs);
      },
    };
    const beat = () => {
      if (!res.writableNeedDrain && !res.writableEnded) res.write(': heartbeat\n\n');
      heartbeat = clock.setTimeout(beat, options.heartbeatMs);
    };
    heartbeat = clock.setTimeout(beat, options.heartbeatMs);
    const handle = deps.hub.connect(result, transport);
    res.on('drain', () => handle.drained());
    res.on('close', () => {
      if (heartbeat !== undefined) clock.clearTimeout(heartbeat);
      if (grace !== undefined) clock.clearTimeout(grace);
      handle.close();
    });
    handle.subscribe(topic, since);
  });
}

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: code, message });
}
