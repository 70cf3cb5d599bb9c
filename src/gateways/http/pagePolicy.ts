import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy of a page Orderly serves itself (`/live`, the dashboard): only its
 * own inline script and style run, it talks only to this server (`'self'` covers `ws:`/`wss:` to
 * the same host), and no other site may frame it. Compute it once: the page never changes while
 * the process runs.
 */
export function pagePolicy(page: { readonly script: string; readonly style: string }, extra: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(page.script)}`,
    `style-src ${sha256(page.style)}`,
    ...extra,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Answers with one of those pages: its policy, no sniffing, no referrer, never cached stale. */
export function sendPage(reply: FastifyReply, html: string, policy: string): FastifyReply {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', policy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(html);
}
