import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SequencedHubMessage } from '../../../src/actors/hub/hubMessage.js';
import { loadConfig } from '../../../src/app/config.js';
import { startJobs, type Jobs } from '../../../src/app/startJobs.js';
import { createHttpAuth } from '../../../src/gateways/http/auth/index.js';
import { createMemoryClusterBus } from '../../../src/gateways/memory/createMemoryClusterBus.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { createMemoryOrderStore } from '../../../src/gateways/memory/index.js';
import { bearer, TEST_JWT_SECRET } from '../../support/auth.js';
import { orderRecord } from '../../actors/jobs/orderFixtures.js';

let app: FastifyInstance;
let jobs: Jobs;
let outbox: string;
let progress: SequencedHubMessage[];

beforeEach(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'orderly-task-routes-'));
  const orders = createMemoryOrderStore();
  await orders.save(orderRecord('o-u1', 'paid', { userId: 'u1', totalCents: 1500 }), 0);
  await orders.save(orderRecord('o-u2', 'pending', { userId: 'u2', totalCents: 700 }), 0);
  const bus = createMemoryClusterBus();
  progress = [];
  bus.messages$.subscribe((m) => progress.push(m));
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  const config = { ...loadConfig({}), ORDERLY_EMAIL_OUTBOX_DIR: outbox, ORDERLY_JOBS_RETRY_BASE_MS: 10, ORDERLY_JOBS_RETRY_MAX_MS: 20 };
  jobs = await startJobs(config, { logger: silent, orders, orderScan: orders, hubBus: bus, auth });
  app = Fastify();
  jobs.registerRoutes(app);
  await app.ready();
});

afterEach(async () => {
  await app.close();
  await jobs.stop(1_000);
  await rm(outbox, { recursive: true, force: true });
});

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('not reached');
}

const getTask = async (location: string, headers: Record<string, string>) => {
  const res = await app.inject({ method: 'GET', url: location, headers });
  return { code: res.statusCode, body: res.json() as Record<string, unknown> };
};

describe('task routes - the 202 pattern', () => {
  it('POST /tasks answers 202 with the task id and Location; GET shows it succeed; progress goes out on tasks:<id>', async () => {
    const u1 = await bearer('u1');
    const res = await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'email', payload: { orderId: 'o-u1' } } });
    expect(res.statusCode).toBe(202);
    const { taskId, status } = res.json() as { taskId: string; status: string };
    expect(status).toBe('queued');
    expect(res.headers.location).toBe(`/tasks/${taskId}`);
    const done = await eventually(() => getTask(`/tasks/${taskId}`, u1), (t) => t.body.status === 'succeeded');
    expect(done.body).toMatchObject({ taskId, type: 'email', status: 'succeeded', attempts: 1, result: { orderId: 'o-u1', to: 'u1@example.com' } });
    expect(done.body).not.toHaveProperty('payload');
    expect(await readdir(outbox)).toEqual([`${taskId}.eml`]);
    const mine = progress.filter((m) => m.topics.includes(`tasks:${taskId}`));
    expect(mine.map((m) => (m.event as { task: { status: string } }).task.status)).toEqual(['queued', 'running', 'succeeded']);
    expect(mine.every((m) => m.ownerId === 'u1' && m.topics.length === 1)).toBe(true);
  });

  it('a report is for admins only; its result is the summary of the stored orders', async () => {
    expect((await app.inject({ method: 'POST', url: '/tasks', headers: await bearer('u1'), payload: { type: 'report', payload: {} } })).statusCode).toBe(403);
    const admin = await bearer('boss', 'admin');
    const res = await app.inject({ method: 'POST', url: '/tasks', headers: admin, payload: { type: 'report', payload: { from: '2025-01-01T00:00:00Z' } } });
    expect(res.statusCode).toBe(202);
    const done = await eventually(() => getTask(res.headers.location as string, admin), (t) => t.body.status === 'succeeded');
    expect(done.body.result).toMatchObject({
      orders: 2,
      countsByStatus: { paid: 1, pending: 1 },
      revenueByCurrency: { EUR: { revenueCents: 1500, orders: 1 } },
    });
  });

  it('a user emails only their own orders, never to an address of their choice; others’ tasks are 404', async () => {
    const u1 = await bearer('u1');
    expect((await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'email', payload: { orderId: 'o-u2' } } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'email', payload: { orderId: 'o-u1', to: 'x@example.com' } } })).statusCode).toBe(403);
    const created = await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'email', payload: { orderId: 'o-u1' } } });
    const location = created.headers.location as string;
    expect((await getTask(location, await bearer('u2'))).code).toBe(404);
    expect((await getTask(location, await bearer('boss', 'admin'))).code).toBe(200);
    expect((await getTask('/tasks/nope', u1)).code).toBe(404);
  });

  it('refuses what is not a task: no token, unknown type, invalid payload, a producer', async () => {
    expect((await app.inject({ method: 'POST', url: '/tasks', payload: { type: 'email', payload: { orderId: 'o-u1' } } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/tasks/x' })).statusCode).toBe(401);
    const u1 = await bearer('u1');
    const unknown = await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'fax', payload: {} } });
    expect([unknown.statusCode, unknown.json().error]).toEqual([400, 'unknown_type']);
    const invalid = await app.inject({ method: 'POST', url: '/tasks', headers: u1, payload: { type: 'email', payload: { order: 1 } } });
    expect([invalid.statusCode, invalid.json().error]).toEqual([400, 'validation']);
    expect((await app.inject({ method: 'POST', url: '/tasks', headers: await bearer('p', 'producer'), payload: { type: 'email', payload: { orderId: 'o-u1' } } })).statusCode).toBe(403);
  });

  it('answers 503 and marks the task dead when the broker does not take it', async () => {
    const publish = jobs.gateway.publish;
    jobs.gateway.publish = async () => Promise.reject(new Error('broker down'));
    try {
      const res = await app.inject({ method: 'POST', url: '/tasks', headers: await bearer('boss', 'admin'), payload: { type: 'report', payload: {} } });
      expect(res.statusCode).toBe(503);
      const dead = progress.find((m) => (m.event as { task: { status: string } }).task.status === 'dead');
      expect(dead).toBeDefined();
    } finally {
      jobs.gateway.publish = publish;
    }
  });
});
