import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSender } from '../../src/actors/jobs/mailSender.js';
import { loadConfig } from '../../src/app/config.js';
import { startJobs, type Jobs, type JobsConfig } from '../../src/app/startJobs.js';
import { createOutboxMailer } from '../../src/gateways/email/createOutboxMailer.js';
import { createHttpAuth } from '../../src/gateways/http/auth/index.js';
import { createMemoryDedupStore } from '../../src/gateways/memory/createMemoryDedupStore.js';
import { createRedisOrderStore } from '../../src/gateways/redis/createRedisOrderStore.js';
import { orderRecord } from '../actors/jobs/orderFixtures.js';
import { bearer, TEST_JWT_SECRET } from '../support/auth.js';
import { keysOf } from '../support/redisOrders.js';

// Against the machine's shared RabbitMQ and Redis: the exchange, queues and keys are unique to the
// run and removed afterwards. The exchange is `tasks-<run>` instead of `tasks` (the default)
// only so that parallel runs cannot route into each other's queues.
const amqpUrl = process.env.ORDERLY_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = `jobs-${process.pid}-${Date.now().toString(36)}`;
const exchange = `tasks-${run}`;
const queuePrefix = `${run}.tasks.`;
const keyPrefix = `orderly-test:${run}:`;
const probeQueue = `${run}.probe`;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let outbox: string;
let redis: Redis;
const orders = createRedisOrderStore({ redis: 'redis://127.0.0.1:6379', keyPrefix });

const config = (): JobsConfig => ({
  ...loadConfig({ ORDERLY_SOURCES: 'rabbitmq', ORDERLY_STATUS_EVENTS: 'false', ORDERLY_STORE: 'redis', ORDERLY_REDIS_KEY_PREFIX: keyPrefix, AMQP_URL: amqpUrl, ORDERLY_AMQP_CONNECTION_NAME: run }),
  ORDERLY_JOBS_EXCHANGE: exchange,
  ORDERLY_JOBS_CHANNEL_PREFIX: queuePrefix,
  ORDERLY_EMAIL_OUTBOX_DIR: outbox,
  ORDERLY_JOBS_RETRY_BASE_MS: 50,
  ORDERLY_JOBS_RETRY_MAX_MS: 200,
});

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'orderly-jobs-outbox-'));
  redis = new Redis('redis://127.0.0.1:6379');
  await orders.save(orderRecord('o-1', 'paid', { userId: 'u1', totalCents: 2500, currency: 'EUR', createdAt: '2025-03-01T10:00:00Z' }), 0);
  await orders.save(orderRecord('o-2', 'shipped', { userId: 'u2', totalCents: 1000, currency: 'USD', createdAt: '2025-03-02T10:00:00Z' }), 0);
  await orders.save(orderRecord('o-3', 'pending', { userId: 'u1', totalCents: 300, currency: 'EUR', createdAt: '2025-03-03T10:00:00Z' }), 0);
  await orders.save(orderRecord('o-old', 'paid', { userId: 'u1', totalCents: 9999, currency: 'EUR', createdAt: '2024-01-01T00:00:00Z' }), 0);
});

afterAll(async () => {
  await orders.close();
  const admin = await connect(amqpUrl);
  const channel = await admin.createChannel();
  for (const type of ['email', 'report']) {
    await channel.deleteQueue(`${queuePrefix}${type}`);
    await channel.deleteQueue(`${queuePrefix}${type}.dlq`);
  }
  await channel.deleteQueue(probeQueue);
  await channel.deleteExchange(exchange);
  await channel.deleteExchange(`${exchange}.dlx`);
  await admin.close();
  const keys = await keysOf(redis, `${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await rm(outbox, { recursive: true, force: true });
});

/** Delays every send, so that a test can see the task `running`. */
const slow = (mailer: MailSender, ms: number): MailSender => ({
  send: async (mail) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return mailer.send(mail);
  },
});

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, seen: T[] = [], deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`not reached; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('jobs on RabbitMQ - end to end', () => {
  it('POST /tasks over real HTTP, through exchange + routing key = type, to an email file and a right report', { timeout: 60_000 }, async () => {
    const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
    const jobs = await startJobs(config(), { logger: silent, orders, auth, mailer: slow(createOutboxMailer({ dir: outbox }), 300) });
    const http = Fastify();
    jobs.registerRoutes(http);
    await http.listen({ port: 0, host: '127.0.0.1' });
    // A probe queue on the same exchange by routing key `email` sees what the tasks exchange routes.
    const admin = await connect(amqpUrl);
    const probe = await admin.createChannel();
    await probe.assertQueue(probeQueue, { durable: false, autoDelete: false });
    await probe.bindQueue(probeQueue, exchange, 'email');
    try {
      const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
      const u1 = await bearer('u1');
      const posted = await fetch(`${base}/tasks`, { method: 'POST', headers: { ...u1, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'email', payload: { orderId: 'o-1' } }) });
      expect(posted.status).toBe(202);
      const { taskId, status } = (await posted.json()) as { taskId: string; status: string };
      expect(status).toBe('queued');
      expect(posted.headers.get('location')).toBe(`/tasks/${taskId}`);

      const seen: string[] = [];
      const task = await poll(
        async () => (await (await fetch(`${base}/tasks/${taskId}`, { headers: u1 })).json()) as { status: string; attempts: number; result?: { deliveredTo: string } },
        (t) => (seen.push(t.status), t.status === 'succeeded'),
      );
      expect(seen).toContain('running');
      expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('succeeded'));
      expect(task.attempts).toBe(1);
      expect(await readdir(outbox)).toContain(`${taskId}.eml`);
      expect(await readFile(join(outbox, `${taskId}.eml`), 'utf8')).toMatch(/^To: u1@example.com$/m);

      const routed = await probe.get(probeQueue, { noAck: true });
      expect(routed && JSON.parse(routed.content.toString())).toMatchObject({ taskId, type: 'email', ownerId: 'u1' });
      expect(routed && routed.fields).toMatchObject({ exchange, routingKey: 'email' });

      const adminToken = await bearer('boss', 'admin');
      const report = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { ...adminToken, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'report', payload: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }),
      });
      expect(report.status).toBe(202);
      const location = report.headers.get('location')!;
      const done = await poll(async () => (await (await fetch(`${base}${location}`, { headers: adminToken })).json()) as { status: string; result?: unknown }, (t) => t.status === 'succeeded');
      expect(done.result).toEqual({
        from: '2025-01-01T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
        orders: 3,
        countsByStatus: { pending: 1, paid: 1, payment_failed: 0, shipped: 1, cancelled: 0 },
        revenueByCurrency: { EUR: { revenueCents: 2500, orders: 1 }, USD: { revenueCents: 1000, orders: 1 } },
      });
    } finally {
      await admin.close();
      await http.close();
      await jobs.stop(5_000);
    }
  });

  it('a task in flight when its worker process dies is redelivered and completed by the next one', { timeout: 60_000 }, async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const stuck: MailSender = {
      send: () => {
        started();
        return new Promise(() => undefined); // the process dies before this send ends
      },
    };
    const first: Jobs = await startJobs(config(), { logger: silent, orders, mailer: stuck });
    const record = await first.enqueue({ type: 'email', ownerId: 'u1', payload: { orderId: 'o-3' } });
    await running;
    expect(await first.store.get(record.taskId)).toMatchObject({ status: 'running', attempts: 1 });
    // The crash: nothing settles; the connection goes, and RabbitMQ requeues the unacked message.
    first.abandon();
    await first.gateway.close();

    const second = await startJobs(config(), { logger: silent, orders, mailer: createOutboxMailer({ dir: outbox }) });
    try {
      const done = await poll(async () => (await second.store.get(record.taskId))!, (t) => t.status === 'succeeded');
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(await readdir(outbox)).toContain(`${record.taskId}.eml`);
    } finally {
      await second.stop(5_000);
      await first.stop(0);
    }
  });
});
