import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpAuth, type HttpAuth } from '../../../src/gateways/http/auth/index.js';
import { DASHBOARD_PAGE_SCRIPT, DASHBOARD_PAGE_STYLE } from '../../../src/gateways/http/dashboard/dashboardPage.js';
import { InvalidDashboardRouteOptionsError } from '../../../src/gateways/http/dashboard/dashboardOptions.js';
import { registerDashboardRoutes } from '../../../src/gateways/http/dashboard/registerDashboardRoutes.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { bearer, TEST_JWT_SECRET, tokenFor } from '../../support/auth.js';
import { FakeClock } from '../../support/fakeClock.js';

let app: FastifyInstance;
let auth: HttpAuth;
let clock: FakeClock;
let reads: number;
let url: string;
const opened: (() => void)[] = [];

beforeEach(async () => {
  clock = new FakeClock();
  reads = 0;
  auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  app = Fastify();
  registerDashboardRoutes(app, { auth, clock, snapshot: async () => ({ read: ++reads }), options: { intervalMs: 1_000, maxStreams: 2 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const close of opened.splice(0)) close();
  await app.close();
});

async function ticket(role: 'admin' | 'user'): Promise<string> {
  const token = await auth.verifyAuthorization(`Bearer ${await tokenFor(`dash-${role}`, role)}`);
  if ('code' in token) throw new Error(token.reason);
  return (await auth.issueTicket(token)).ticket;
}

/**
 * An open admin stream over `node:http` (no connection pool that would open spare sockets after
 * an abort), collecting the frames as they come.
 */
async function openStream() {
  const target = `${url}/dashboard/stream?ticket=${await ticket('admin')}`;
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(target, { agent: false }, resolve).on('error', reject));
  expect(response.statusCode).toBe(200);
  response.setEncoding('utf8');
  let buffer = '';
  const frames: string[] = [];
  response.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      frames.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  });
  const ended = new Promise<void>((resolve) => response.on('close', () => resolve()));
  const close = () => response.destroy();
  opened.push(close);
  const states = () => frames.filter((f) => f.startsWith('event: state')).map((f) => f.split('data: ')[1]);
  return { frames, states, ended, close };
}

describe('dashboard routes - the page and the state', () => {
  it('serves the page at / to anyone, with a CSP that allows only its own script and style by hash', async () => {
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash(DASHBOARD_PAGE_SCRIPT)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(DASHBOARD_PAGE_STYLE)}'`);
    expect(csp).not.toContain('unsafe');
    expect(await response.text()).toContain('<title>Orderly dashboard</title>');
  });

  it('answers /dashboard/state to admins only: 401 without a token, 403 for a user or producer', async () => {
    expect((await fetch(`${url}/dashboard/state`)).status).toBe(401);
    expect((await fetch(`${url}/dashboard/state`, { headers: await bearer('u') })).status).toBe(403);
    expect((await fetch(`${url}/dashboard/state`, { headers: await bearer('p', 'producer') })).status).toBe(403);
    const ok = await fetch(`${url}/dashboard/state`, { headers: await bearer('a', 'admin') });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual({ read: 1 });
  });

  it('refuses option values out of bounds with a named error', () => {
    expect(() => registerDashboardRoutes(Fastify(), { auth, snapshot: async () => ({}), options: { intervalMs: 0 } })).toThrow(InvalidDashboardRouteOptionsError);
  });
});

describe('dashboard routes - the stream', () => {
  it('refuses a user’s ticket (403), a spent or missing one (401), and more than maxStreams (503)', async () => {
    expect((await fetch(`${url}/dashboard/stream?ticket=${await ticket('user')}`)).status).toBe(403);
    expect((await fetch(`${url}/dashboard/stream`)).status).toBe(401);
    await openStream();
    const spent = await ticket('admin');
    const second = await new Promise<IncomingMessage>((resolve, reject) => get(`${url}/dashboard/stream?ticket=${spent}`, { agent: false }, resolve).on('error', reject));
    opened.push(() => second.destroy());
    expect(second.statusCode).toBe(200);
    expect((await fetch(`${url}/dashboard/stream?ticket=${spent}`)).status).toBe(401);
    expect((await fetch(`${url}/dashboard/stream?ticket=${await ticket('admin')}`)).status).toBe(503);
  });

  it('sends a state at once, then one per interval on one timer for every stream, and stops the timer with the last stream', async () => {
    const a = await openStream();
    await expect.poll(() => a.states()).toEqual(['{"read":1}']);
    const b = await openStream();
    await expect.poll(() => b.states()).toEqual(['{"read":2}']);
    expect(clock.pending).toBe(1);
    clock.advance(1_000);
    // One read for both streams: the same frame to each.
    await expect.poll(() => b.states()).toEqual(['{"read":2}', '{"read":3}']);
    await expect.poll(() => a.states()).toEqual(['{"read":1}', '{"read":3}']);
    expect(reads).toBe(3);
    a.close();
    b.close();
    await expect.poll(() => clock.pending).toBe(0);
    clock.advance(5_000);
    expect(reads).toBe(3);
  });

  it('ends every open stream with a retry hint when the server closes, and the close does not wait for the clients', async () => {
    const a = await openStream();
    await expect.poll(() => a.states()).toHaveLength(1);
    await app.close();
    await a.ended;
    expect(a.frames.at(-1)).toMatch(/^retry: \d+\n: closed, shutting down$/);
    expect(clock.pending).toBe(0);
  });
});
