import type { FastifyInstance } from 'fastify';
import { LIVE_PAGE_HTML, LIVE_PAGE_SCRIPT, LIVE_PAGE_STYLE } from './livePage.js';
import { pagePolicy, sendPage } from './pagePolicy.js';

/** See `pagePolicy`. */
const CONTENT_SECURITY_POLICY = pagePolicy({ script: LIVE_PAGE_SCRIPT, style: LIVE_PAGE_STYLE });

/**
 * `GET /live`: a small page that follows the caller's orders over WebSocket and SSE. Open, like
 * `/healthz`: the page holds no data and asks for a token itself, so it sits outside the
 * authenticated scope.
 */
export function registerLiveRoutes(app: FastifyInstance): void {
  app.get('/live', async (_request, reply) => sendPage(reply, LIVE_PAGE_HTML, CONTENT_SECURITY_POLICY));
}
