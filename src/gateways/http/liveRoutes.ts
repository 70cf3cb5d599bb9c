import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { LIVE_PAGE_HTML, LIVE_PAGE_SCRIPT, LIVE_PAGE_STYLE } from './livePage.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Only the page's own inline script and style run, it talks only to this server (`'self'`
 * covers `ws:`/`wss:` to the same host), and no other site may frame it. Computed once: the
 * page never changes while the process runs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(LIVE_PAGE_SCRIPT)}`,
  `style-src ${sha256(LIVE_PAGE_STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /live`: a small page that follows the caller's orders over WebSocket and SSE. Open, like
 * `/healthz`: the page holds no data and asks for a token itself, so it sits outside the
 * authenticated scope.
 */
export function registerLiveRoutes(app: FastifyInstance): void {
  app.get('/live', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(LIVE_PAGE_HTML),
  );
}
