import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv, tokenFor } from '../support/auth.js';

// A real browser (Debian's chromium, driven by playwright-core) opens Orderly's dashboard at `/`
// with an admin token: it shows the supervision tree, the live order actors by status, the rates
// per source as charts and the dead letters, all kept up to date over /dashboard/stream; a
// dead letter's replay button sends it back through the pipeline. A non-admin is refused.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const SCREENSHOT = new URL('../../artifacts/dashboard.png', import.meta.url);
/** Bound on every wait for the page; generous for two shared cores, far below the test timeout. */
const WAIT_MS = 8_000;

const run = randomUUID().slice(0, 8);
const admin = `dash-admin-${run}`;
const shopper = `dash-user-${run}`;

let config: Config;
let orderly: Orderly | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is missing at ${CHROMIUM}: install Debian's chromium package (bash scripts/browser.sh)`);
  }
  config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv });
  [orderly, browser] = await Promise.all([
    createOrderly(config, { logger: pino({ level: 'silent' }) }),
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 }),
  ]);
});

afterAll(async () => {
  // Each on its own: a browser that failed to close must not keep Orderly running, nor the reverse.
  await Promise.allSettled([browser?.close(), orderly?.stop()]);
});

function app(): Orderly {
  if (orderly === undefined) throw new Error('Orderly did not start');
  return orderly;
}

/** `/` with `token` in the fragment; collects the page's errors (a CSP violation is one). */
async function openDashboard(token: string): Promise<{ page: Page; errors: string[] }> {
  if (browser === undefined) throw new Error('chromium did not start');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${app().url}/#token=${token}`, { timeout: WAIT_MS });
  return { page, errors };
}

const attached = (page: Page, selector: string) => page.locator(selector).first().waitFor({ state: 'attached', timeout: WAIT_MS });

async function postOrder(orderId: string): Promise<void> {
  const response = await fetch(`${app().url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await bearer(shopper)) },
    body: JSON.stringify({ orderId, userId: shopper, items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' }),
  });
  expect(response.status).toBe(202);
}

async function postPayment(orderId: string): Promise<void> {
  const response = await fetch(`${app().url}/events`, {
    method: 'POST',
    headers: {
      ...(await bearer(`dash-shop-${run}`, 'producer')),
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `pay-${orderId}`,
      'ce-source': '/test/dashboard',
      'ce-type': 'payment.completed',
    },
    body: JSON.stringify({ orderId, paymentId: `pay-${orderId}`, amountCents: 700 }),
  });
  expect(response.status).toBe(202);
}

/** Bytes that are no CloudEvent, straight onto the embedded broker: the pipeline dead-letters them (`decode`). */
async function publishGarbage(): Promise<void> {
  await app().pipeline.publisher.publish((config.ORDERLY_CHANNEL_PREFIX ?? '') + config.ORDERLY_PUBLISH_CHANNEL, {
    body: Buffer.from(`{not json ${run}`),
    headers: {},
    key: `garbage-${run}`,
  });
}

const numberAt = async (page: Page, selector: string, attribute: string) => Number(await page.locator(selector).first().getAttribute(attribute, { timeout: WAIT_MS }));

describe('dashboard - the page at / in chromium', () => {
  it('shows the tree, the orders by status, the rates and the dead letters live, and replays a dead letter through the pipeline', async () => {
    const { page, errors } = await openDashboard(await tokenFor(admin, 'admin'));
    try {
      await attached(page, '#conn[data-state="live"]');
      // The token was read from the fragment and taken off the address bar.
      expect(page.url()).not.toContain('token=');
      await attached(page, '#tree li[data-path="root"][data-status="active"]');
      for (const path of ['root/registry', 'root/hub', 'root/jobs', 'root/jobs/pool', 'root/gateways', 'root/gateways/memory']) {
        await attached(page, `#tree li[data-path="${path}"][data-status="running"][data-restarts="0"]`);
      }

      // Events published after the page opened reach it over the stream (it does not reload).
      const orders = [1, 2, 3].map((n) => `dash-${run}-o${n}`);
      for (const orderId of orders) await postOrder(orderId);
      await postPayment(orders[0]!);
      await attached(page, '#orders-body tr[data-status="pending"][data-count="2"]');
      await attached(page, '#orders-body tr[data-status="paid"][data-count="1"]');
      const memory = '#rates .source[data-source="memory"]';
      await expect.poll(() => numberAt(page, memory, 'data-acked-total'), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(4);
      expect(await numberAt(page, `${memory} svg polyline.acked`, 'data-sum')).toBeGreaterThanOrEqual(4);
      expect((await page.locator(`${memory} svg polyline.acked`).getAttribute('points'))?.split(' ')).toHaveLength(60);
      await attached(page, '#hub dd[data-field="sessions"]');

      await publishGarbage();
      await attached(page, '#dlq-body tr[data-reason="decode"]');
      const row = page.locator('#dlq-body tr[data-reason="decode"]').first();
      const id = await row.getAttribute('data-id');
      expect(id).toBeTruthy();
      expect(await page.locator('#dlq-total').textContent()).toBe('1 held');

      await page.locator(`#dlq-body tr[data-id="${id}"] button.replay`).click({ timeout: WAIT_MS });
      await attached(page, `#toast[data-kind="ok"][data-replayed="${id}"]`);
      expect(await page.locator('#toast').textContent()).toContain(`Replayed ${id}`);
      // Back through the pipeline: still no CloudEvent, so it is dead-lettered again, naming the entry it replays.
      await attached(page, `#dlq-body tr.again[data-replayed-from="${id}"][data-reason="decode"]`);
      expect(await page.locator(`#dlq-body tr[data-id="${id}"]`).count()).toBe(0);
      expect(await page.locator('#dlq-total').textContent()).toBe('1 held');

      await mkdir(new URL('.', SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true, timeout: WAIT_MS });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses a non-admin: 403 on /dashboard/state and /dashboard/stream, and the page says so', async () => {
    const url = app().url;
    expect((await fetch(`${url}/dashboard/state`)).status).toBe(401);
    expect((await fetch(`${url}/dashboard/state`, { headers: await bearer(shopper) })).status).toBe(403);
    const ticketOf = async (role: 'user' | 'admin') =>
      ((await (await fetch(`${url}/realtime/ticket`, { method: 'POST', headers: await bearer(role === 'admin' ? admin : shopper, role) })).json()) as { ticket: string }).ticket;
    expect((await fetch(`${url}/dashboard/stream?ticket=${await ticketOf('user')}`)).status).toBe(403);
    expect((await fetch(`${url}/dashboard/stream`)).status).toBe(401);

    // An admin's ticket opens the stream, which starts with a whole state frame; a ticket works once.
    const adminTicket = await ticketOf('admin');
    // node:http rather than fetch: its pool would open spare sockets after the abort, holding up the server's close.
    const stream = await new Promise<IncomingMessage>((resolve, reject) => get(`${url}/dashboard/stream?ticket=${adminTicket}`, { agent: false }, resolve).on('error', reject));
    try {
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      stream.setEncoding('utf8');
      let text = '';
      for await (const chunk of stream) if ((text += chunk).includes('event: state')) break;
      expect(JSON.parse(/event: state\ndata: (.*)\n/.exec(text)![1]!)).toMatchObject({ tree: { id: 'root' }, orders: { byStatus: {} } });
    } finally {
      stream.destroy();
    }
    expect((await fetch(`${url}/dashboard/stream?ticket=${adminTicket}`)).status).toBe(401);

    const { page, errors } = await openDashboard(await tokenFor(shopper));
    try {
      await attached(page, '#conn[data-state="forbidden"]');
      expect(await page.locator('#notice').textContent()).toContain('Forbidden (403)');
      expect(await page.locator('#dlq-body tr').count()).toBe(0);
      // The only error is the browser's own line about the refused request.
      expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
