import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';

// The whole app on the embedded default: `POST /tasks` answers 202, the job pool runs the task,
// `GET /tasks/:id` shows it finished; a paid order enqueues its confirmation email by itself.
let orderly: Orderly;
let outbox: string;
beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'orderly-e2e-outbox-'));
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ORDERLY_EMAIL_OUTBOX_DIR: outbox, ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await orderly.stop();
  await rm(outbox, { recursive: true, force: true });
});

const json = { 'content-type': 'application/json' };

describe('tasks - the 202 pattern through createOrderly', () => {
  it('runs a report: 202 with Location, then GET shows it succeeded with the summary', async () => {
    const admin = await bearer('ops', 'admin');
    const order = { orderId: 'task-e2e-1', userId: 'u-t', items: [{ productId: 'p', quantity: 1, priceCents: 1200 }], totalCents: 1200, currency: 'EUR' };
    expect((await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { ...json, ...(await bearer('u-t')) }, body: JSON.stringify(order) })).status).toBe(202);
    // The report reads stored orders: wait until this one is stored.
    for (let i = 0; i < 200 && (await orderly.pipeline.store.load('task-e2e-1')) === undefined; i++) await new Promise((r) => setTimeout(r, 10));

    const accepted = await fetch(`${orderly.url}/tasks`, { method: 'POST', headers: { ...json, ...admin }, body: JSON.stringify({ type: 'report', payload: {} }) });
    expect(accepted.status).toBe(202);
    const body = (await accepted.json()) as { taskId: string; status: string };
    expect(body.status).toBe('queued');
    expect(accepted.headers.get('location')).toBe(`/tasks/${body.taskId}`);

    let task: Record<string, unknown> = {};
    for (let i = 0; i < 300 && !['succeeded', 'failed', 'dead'].includes(String(task.status)); i++) {
      task = (await (await fetch(`${orderly.url}/tasks/${body.taskId}`, { headers: admin })).json()) as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(task).toMatchObject({ taskId: body.taskId, type: 'report', status: 'succeeded', attempts: 1 });
    expect(task.result).toMatchObject({ countsByStatus: { pending: 1, paid: 0 } });
  });

  it('writes the confirmation email of an order once it is paid', async () => {
    const user = await bearer('u-mail');
    const order = { orderId: 'task-e2e-2', userId: 'u-mail', items: [{ productId: 'p', quantity: 2, priceCents: 500 }], totalCents: 1000, currency: 'EUR' };
    expect((await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { ...json, ...user }, body: JSON.stringify(order) })).status).toBe(202);
    const payment = { orderId: 'task-e2e-2', paymentId: 'pay-mail', amountCents: 1000 };
    const paid = await fetch(`${orderly.url}/events`, {
      method: 'POST',
      headers: { ...json, ...(await bearer('shop', 'producer')), 'ce-specversion': '1.0', 'ce-id': 'pay-task-e2e-2', 'ce-source': '/test', 'ce-type': 'payment.completed' },
      body: JSON.stringify(payment),
    });
    expect(paid.status).toBe(202);
    let files: string[] = [];
    for (let i = 0; i < 300 && files.length === 0; i++) {
      // Only finished emails: the mailer writes `<name>.tmp` and renames it when complete.
      files = (await readdir(outbox)).filter((name) => name.endsWith('.eml'));
      if (files.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(files).toHaveLength(1);
    const email = await readFile(join(outbox, files[0]!), 'utf8');
    expect(email).toContain('u-mail@example.com');
    expect(email).toContain('task-e2e-2');
  });
});
