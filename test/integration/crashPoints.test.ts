import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../../src/app/crashPoints.js';
import { fromStreamFields } from '../../src/gateways/redis/redisStreamMessage.js';
import { bearer } from '../support/auth.js';
import { goProducers, publishPaidOrders, type Producer } from '../support/goProducers.js';
import { deleteRunKeys, storedOrders } from '../support/redisOrders.js';
import { runEnv } from '../support/runEnv.js';
import { killedBy, spawnOrderly, type SpawnedOrderly } from '../support/spawnOrderly.js';

/**
 * `kill -9` at the moments that are hardest on the guarantees (ORDERLY_TEST_CRASH_AT), then a
 * restart: every order ends in its right state with each event applied once, every transition's
 * `order.status-changed` is on the broker (a re-send keeps its id), and every task is done.
 * Redis Streams in and out, the Redis store.
 */
const ORDERS = 200;
const TASKS = 8;
const redis = new Redis('redis://127.0.0.1:6379');
const processes: SpawnedOrderly[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const orderly of processes) await orderly.stop(1_000);
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await redis.quit();
}, 60_000);

/** The status events on the broker: id → "orderId from→to". */
async function statusEvents(stream: string): Promise<Map<string, string>> {
  const entries = await redis.xrange(stream, '-', '+');
  const events = new Map<string, string>();
  for (const [, fields] of entries) {
    const event = JSON.parse(Buffer.from(fromStreamFields(fields).body).toString('utf8')) as { id: string; data: { orderId: string; from: string; to: string } };
    events.set(event.id, `${event.data.orderId} ${event.data.from}→${event.data.to}`);
  }
  return events;
}

const orderPoints: ReadonlyArray<[CrashPoint, number]> = [
  ['store.before-save', 120],
  ['store.after-save', 120],
  ['outbox.before-publish', 60],
  ['outbox.before-remove', 3], // once per relay pass, not per event
];

describe('kill -9 at instrumented points - redis streams, redis store', () => {
  it.each(orderPoints)('at %s (the %i-th time): after a restart every order and every status event is there exactly once', async (point, nth) => {
    const run = `orderly-crash-${point.replace('.', '-')}-${process.pid}-${Date.now().toString(36)}`;
    const { prefix, keyPrefix, env: base } = runEnv(run, 'redis');
    const env = {
      ...base,
      ORDERLY_REDIS_CLAIM_IDLE_MS: '2000', // what the killed process held comes back after 2 s, not 30
      ORDERLY_JOBS_GROUP: `${run}-jobs`,
      ORDERLY_EMAIL_OUTBOX_DIR: await mkdtemp(join(tmpdir(), 'orderly-crash-mail-')),
    };
    cleanups.push(() => rm(env.ORDERLY_EMAIL_OUTBOX_DIR, { recursive: true, force: true }));
    const first = await spawnOrderly({ ...env, ORDERLY_TEST_CRASH_AT: `${point}:${nth}` });
    processes.push(first);
    const producer: Producer = await goProducers.redis(prefix, env, run);
    cleanups.push(async () => {
      await producer.close();
      await deleteRunKeys(redis, keyPrefix, prefix);
    });
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `${run}-${i}`);
    await publishPaidOrders(producer, orderIds);
    expect(await killedBy(first, 60_000)).toBe('SIGKILL');
    // A store point kills it while orders are being applied; an outbox point may come after the
    // last order was stored, with status events still in the outbox.
    const atCrash = await storedOrders(redis, keyPrefix, orderIds);
    if (point.startsWith('store.')) expect([...atCrash.values()].filter((o) => o.status === 'paid').length).toBeLessThan(ORDERS);

    const second = await spawnOrderly(env);
    processes.push(second);
    const admin = await bearer('test-admin', 'admin');
    const pending = new Set(orderIds);
    const deadline = Date.now() + 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      const stored = await storedOrders(redis, keyPrefix, [...pending]);
      for (const [orderId, order] of stored) if (order.status === 'paid') pending.delete(orderId);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending.size).toBe(0);
    for (const orderId of orderIds.slice(0, 20)) {
      const order = (await (await fetch(`${second.url}/orders/${orderId}`, { headers: admin })).json()) as { version: number; history: { eventId: string }[] };
      expect(new Set(order.history.map((h) => h.eventId)).size).toBe(order.history.length);
    }
    const everyOrder = await storedOrders(redis, keyPrefix, orderIds);
    expect([...everyOrder.values()].filter((o) => new Set(o.history.map((h) => h.eventId)).size !== o.history.length)).toEqual([]);

    // Every transition's status event is on the broker; a re-send after the crash keeps its id.
    const expected = new Set(orderIds.flatMap((id) => [`${id} new→pending`, `${id} pending→paid`]));
    let events = new Map<string, string>();
    for (let i = 0; i < 300 && events.size < expected.size; i++) {
      events = await statusEvents(`${prefix}order.status`);
      if (events.size < expected.size) await new Promise((r) => setTimeout(r, 100));
    }
    const transitions = [...events.values()];
    expect(new Set(transitions)).toEqual(expected);
    expect(transitions).toHaveLength(expected.size); // distinct ids = transitions: nothing twice under two ids

    // Every paid order's confirmation email, enqueued from its status event: one task per order
    // (its id is made from the order id), each written once it ran.
    const wanted = new Set(orderIds.map((id) => `email-confirmation-${encodeURIComponent(id)}.eml`));
    let mails: string[] = [];
    for (let i = 0; i < 300; i++) {
      mails = (await readdir(env.ORDERLY_EMAIL_OUTBOX_DIR)).filter((name) => wanted.has(name));
      if (mails.length === wanted.size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(mails.length).toBe(wanted.size);
    expect(await second.stop()).toBe(0);
  }, 150_000);

  it(`at task.mid-run: every one of ${TASKS} tasks ends succeeded, once`, async () => {
    const run = `orderly-crash-task-${process.pid}-${Date.now().toString(36)}`;
    const { prefix, keyPrefix, env: base } = runEnv(run, 'redis');
    const env = {
      ...base,
      ORDERLY_REDIS_CLAIM_IDLE_MS: '2000',
      ORDERLY_JOBS_GROUP: `${run}-jobs`,
      ORDERLY_JOBS_CONCURRENCY: '1',
    };
    cleanups.push(async () => {
      await deleteRunKeys(redis, keyPrefix, prefix);
    });
    const first = await spawnOrderly({ ...env, ORDERLY_TEST_CRASH_AT: 'task.mid-run:3' });
    processes.push(first);
    const admin = { 'content-type': 'application/json', ...(await bearer('ops', 'admin')) };
    const taskIds: string[] = [];
    for (let i = 0; i < TASKS && first.child.exitCode === null && first.child.signalCode === null; i++) {
      const response = await fetch(`${first.url}/tasks`, { method: 'POST', headers: admin, body: JSON.stringify({ type: 'report', payload: {} }) }).catch(() => undefined);
      if (response?.status === 202) taskIds.push(((await response.json()) as { taskId: string }).taskId);
    }
    expect(await killedBy(first, 30_000)).toBe('SIGKILL');
    expect(taskIds.length).toBeGreaterThanOrEqual(3);

    const second = await spawnOrderly(env);
    processes.push(second);
    const finished = new Map<string, { status: string; attempts: number }>();
    const deadline = Date.now() + 60_000;
    while (finished.size < taskIds.length && Date.now() < deadline) {
      for (const taskId of taskIds.filter((id) => !finished.has(id))) {
        const task = (await (await fetch(`${second.url}/tasks/${taskId}`, { headers: admin })).json()) as { status: string; attempts: number };
        if (['succeeded', 'failed', 'dead'].includes(task.status)) finished.set(taskId, task);
      }
      if (finished.size < taskIds.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect([...finished.values()].map((t) => t.status)).toEqual(taskIds.map(() => 'succeeded'));
    // The task that was mid-run when the process died ran again: its attempts say so.
    expect(Math.max(...[...finished.values()].map((t) => t.attempts))).toBe(2);
    expect(await second.stop()).toBe(0);
  }, 150_000);
});
