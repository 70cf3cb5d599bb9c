import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv, tokenFor } from '../support/auth.js';

// A real browser (Debian's chromium, driven by playwright-core) opens Orderly's own /live page,
// which follows the user's orders over a WebSocket and an EventSource with tickets; orders that
// go through the embedded broker appear in both lists, and nobody else's ever do.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const SCREENSHOT = new URL('../../artifacts/browser-live.png', import.meta.url);
/** Bound on every wait for the page; generous for two shared cores, far below the test timeout. */
const WAIT_MS = 10_000;

const run = randomUUID().slice(0, 8);
const alice = `live-alice-${run}`;
const bob = `live-bob-${run}`;

let orderly: Orderly | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is missing at ${CHROMIUM}: install Debian's chromium package (bash scripts/browser.sh)`);
  }
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
});

afterAll(async () => {
  // Each on its own: a browser that failed to close must not keep Orderly running, nor the reverse.
  await Promise.allSettled([browser?.close(), orderly?.stop()]);
});

function app(): Orderly {
  if (orderly === undefined) throw new Error('Orderly did not start');
  return orderly;
}

/** `/live` for `userId` with the token in the fragment; collects the page's errors (a CSP violation is one). */
async function openLive(userId: string): Promise<{ page: Page; errors: string[] }> {
  if (browser === undefined) throw new Error('chromium did not start');
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${app().url}/live#token=${await tokenFor(userId)}`, { timeout: WAIT_MS });
  await page.locator('#ws-state[data-state="open"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  await page.locator('#sse-state[data-state="open"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  return { page, errors };
}

/** Waits until both lists on `page` show `orderId` in `status`. */
async function shownInBothLists(page: Page, orderId: string, status: string): Promise<void> {
  for (const list of ['#ws-list', '#sse-list']) {
    await page.locator(`${list} li[data-order-id="${orderId}"][data-status="${status}"]`).waitFor({ state: 'attached', timeout: WAIT_MS });
  }
}

interface Row {
  readonly orderId: string | undefined;
  readonly status: string | undefined;
  readonly seq: number;
}

async function rows(page: Page, list: '#ws-list' | '#sse-list'): Promise<Row[]> {
  return page.locator(`${list} li[data-seq]`).evaluateAll((items) =>
    items.map((item) => {
      const data = (item as unknown as { dataset: Record<string, string | undefined> }).dataset;
      return { orderId: data.orderId, status: data.status, seq: Number(data.seq) };
    }),
  );
}

async function postOrder(orderId: string, userId: string): Promise<void> {
  const response = await fetch(`${app().url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await bearer(userId)) },
    body: JSON.stringify({ orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' }),
  });
  expect(response.status).toBe(202);
}

/** A producer's `payment.completed`, straight onto the broker through `POST /events`. */
async function postPayment(orderId: string): Promise<void> {
  const response = await fetch(`${app().url}/events`, {
    method: 'POST',
    headers: {
      ...(await bearer(`live-shop-${run}`, 'producer')),
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `pay-${orderId}`,
      'ce-source': '/test/browser',
      'ce-type': 'payment.completed',
    },
    body: JSON.stringify({ orderId, paymentId: `pay-${orderId}`, amountCents: 700 }),
  });
  expect(response.status).toBe(202);
}

/** Resolves once a WebSocket watcher outside the browser, on `topic`, has seen `orderId`: the hub has sent it. */
async function hubSent(topic: string, orderId: string, watcher: WebSocket): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub sent no change of ${orderId} on ${topic} within ${WAIT_MS} ms`)), WAIT_MS);
    watcher.on('message', function seen(data) {
      const frame = JSON.parse(String(data)) as { type?: string; event?: { snapshot?: { orderId?: string } } };
      if (frame.type !== 'event' || frame.event?.snapshot?.orderId !== orderId) return;
      clearTimeout(timer);
      watcher.off('message', seen);
      resolve();
    });
  });
}

async function watch(userId: string): Promise<WebSocket> {
  const watcher = new WebSocket(`${app().url.replace(/^http/, 'ws')}/ws`, { headers: await bearer(userId) });
  await new Promise<void>((resolve, reject) => {
    watcher.once('open', () => resolve());
    watcher.once('error', reject);
  });
  const subscribed = new Promise<void>((resolve) => watcher.once('message', () => resolve()));
  watcher.send(JSON.stringify({ type: 'subscribe', topic: `user:${userId}` }));
  await subscribed;
  return watcher;
}

describe('browser - the /live page in chromium', () => {
  it('shows the user’s order changes over WebSocket and SSE, and never another user’s', async () => {
    const [a, b] = await Promise.all([openLive(alice), openLive(bob)]);
    try {
      await postOrder(`${alice}-o1`, alice);
      await shownInBothLists(a.page, `${alice}-o1`, 'pending');
      await postPayment(`${alice}-o1`);
      await shownInBothLists(a.page, `${alice}-o1`, 'paid');

      // Bob's order reaches Bob's page; Alice's next order is published after that, so had Bob's
      // change been sent to Alice it would be on her page before her own next one.
      await postOrder(`${bob}-o1`, bob);
      await shownInBothLists(b.page, `${bob}-o1`, 'pending');
      await postOrder(`${alice}-o2`, alice);
      await shownInBothLists(a.page, `${alice}-o2`, 'pending');

      for (const list of ['#ws-list', '#sse-list'] as const) {
        const seen = await rows(a.page, list);
        expect(seen.map((row) => `${row.orderId} ${row.status}`)).toEqual([`${alice}-o1 pending`, `${alice}-o1 paid`, `${alice}-o2 pending`]);
        expect(seen.every((row, i) => i === 0 || row.seq > seen[i - 1]!.seq)).toBe(true);
        expect((await rows(b.page, list)).map((row) => row.orderId)).toEqual([`${bob}-o1`]);
      }
      // Both transports carry the hub's numbering: the same sequence numbers in both lists.
      expect((await rows(a.page, '#sse-list')).map((row) => row.seq)).toEqual((await rows(a.page, '#ws-list')).map((row) => row.seq));
      expect(await a.page.locator(`text=${bob}`).count()).toBe(0);

      // The token was read from the fragment and taken off the address bar.
      expect(a.page.url()).not.toContain('token=');
      await mkdir(new URL('.', SCREENSHOT), { recursive: true });
      await a.page.screenshot({ path: SCREENSHOT.pathname, fullPage: true, timeout: WAIT_MS });
      expect([...a.errors, ...b.errors]).toEqual([]);
    } finally {
      await Promise.allSettled([a.page.close(), b.page.close()]);
    }
  });

  it('reconnects with a fresh ticket and both transports resume (since, lastEventId): no gap, no duplicate', async () => {
    const carol = `live-carol-${run}`;
    const c = await openLive(carol);
    const watcher = await watch(carol);
    try {
      await postOrder(`${carol}-o1`, carol);
      await shownInBothLists(c.page, `${carol}-o1`, 'pending');

      // Hold the page's ticket requests, so that what is posted now is surely missed live.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let asked = 0;
      await c.page.route('**/realtime/ticket', async (route) => {
        asked++;
        await held;
        await route.continue();
      });
      await c.page.locator('#reconnect').click({ timeout: WAIT_MS });
      // Both transports are closed and waiting for a ticket: these two are missed live.
      await expect.poll(() => asked, { timeout: WAIT_MS }).toBe(2);
      const sent = hubSent(`user:${carol}`, `${carol}-o3`, watcher);
      await postOrder(`${carol}-o2`, carol);
      await postOrder(`${carol}-o3`, carol);
      await sent;
      release(); // the route stays: it lets every later ticket request through at once

      await c.page.locator('#ws-state[data-state="open"]').waitFor({ state: 'attached', timeout: WAIT_MS });
      await c.page.locator('#sse-state[data-state="open"]').waitFor({ state: 'attached', timeout: WAIT_MS });
      await c.page.locator(`#ws-list li[data-order-id="${carol}-o3"]`).waitFor({ state: 'attached', timeout: WAIT_MS });
      const ws = await rows(c.page, '#ws-list');
      expect(ws.map((row) => row.orderId)).toEqual([`${carol}-o1`, `${carol}-o2`, `${carol}-o3`]);
      expect(ws.every((row, i) => i === 0 || row.seq > ws[i - 1]!.seq)).toBe(true);

      // The EventSource came back on a new ticket from where it was: what it missed, in order.
      await c.page.locator(`#sse-list li[data-order-id="${carol}-o3"]`).waitFor({ state: 'attached', timeout: WAIT_MS });
      const sse = await rows(c.page, '#sse-list');
      expect(sse.map((row) => row.orderId)).toEqual([`${carol}-o1`, `${carol}-o2`, `${carol}-o3`]);
      expect(sse.map((row) => row.seq)).toEqual(ws.map((row) => row.seq));
      // And it is live again.
      await postOrder(`${carol}-o4`, carol);
      await shownInBothLists(c.page, `${carol}-o4`, 'pending');
      expect(c.errors).toEqual([]);
    } finally {
      watcher.close();
      await c.page.close();
    }
  });
});
