import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';

// The whole app on the embedded broker: an order posted over HTTP reaches its owner over the
// WebSocket and over SSE (with a ticket, as a browser would), and nobody else.
let orderly: Orderly;
beforeAll(async () => {
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
});
afterAll(() => orderly.stop());

const order = (orderId: string, userId: string) => ({ orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' });

async function postOrder(orderId: string, userId: string): Promise<void> {
  const response = await fetch(`${orderly.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await bearer(userId)) },
    body: JSON.stringify(order(orderId, userId)),
  });
  expect(response.status).toBe(202);
}

/** A WebSocket client that records every frame; bounded waits only. */
async function client(userId: string) {
  const ws = new WebSocket(`${orderly.url.replace(/^http/, 'ws')}/ws`, { headers: await bearer(userId) });
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (check: (f: Record<string, unknown>) => boolean, what: string) => {
    for (let i = 0; i < 250; i++) {
      const found = frames.find(check);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${what} within 5 s; got ${JSON.stringify(frames)}`);
  };
  return { ws, frames, waitFor };
}

describe('real-time - end to end on the embedded broker', () => {
  it('sends an order’s change to its owner over the WebSocket, and not to another user', async () => {
    const owner = await client('rt-alice');
    const other = await client('rt-bob');
    try {
      owner.ws.send(JSON.stringify({ type: 'subscribe', topic: 'user:rt-alice' }));
      other.ws.send(JSON.stringify({ type: 'subscribe', topic: 'user:rt-bob' }));
      await owner.waitFor((f) => f.type === 'subscribed', 'subscribed frame');
      await other.waitFor((f) => f.type === 'subscribed', 'subscribed frame');
      // Someone else's topic is refused outright.
      other.ws.send(JSON.stringify({ type: 'subscribe', topic: 'user:rt-alice' }));
      expect(await other.waitFor((f) => f.type === 'error', 'error frame')).toMatchObject({ code: 'forbidden' });

      await postOrder('rt-o-1', 'rt-alice');
      const event = await owner.waitFor((f) => f.type === 'event', 'event');
      expect(event).toMatchObject({
        topic: 'user:rt-alice',
        event: { snapshot: { orderId: 'rt-o-1', userId: 'rt-alice', status: 'pending' }, cloudEvent: { type: 'order.created' } },
      });
      expect(typeof event.seq).toBe('number');
      await new Promise((r) => setTimeout(r, 200));
      expect(other.frames.filter((f) => f.type === 'event')).toEqual([]);
    } finally {
      owner.ws.close();
      other.ws.close();
    }
  });

  it('streams the same over SSE with a single-use ticket, as a browser does', async () => {
    const ticketResponse = await fetch(`${orderly.url}/realtime/ticket`, { method: 'POST', headers: await bearer('rt-carol') });
    expect(ticketResponse.status).toBe(200);
    const { ticket } = (await ticketResponse.json()) as { ticket: string };
    const controller = new AbortController();
    const stream = await fetch(`${orderly.url}/events/stream?topic=user:rt-carol&ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    // The ticket is used up: the same URL again is refused.
    const again = await fetch(`${orderly.url}/events/stream?topic=user:rt-carol&ticket=${encodeURIComponent(ticket)}`);
    expect(again.status).toBe(401);

    await postOrder('rt-o-2', 'rt-carol');
    const reader = stream.body!.getReader();
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!/\nevent: event\n/.test(text) && !text.includes('"rt-o-2"') && Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), 500))]);
      if (done && Date.now() >= deadline) break;
      if (value) text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('"orderId":"rt-o-2"');
    expect(text).toMatch(/^id: \d+$/m);
  });

  it('refuses the WebSocket upgrade without a token', async () => {
    const ws = new WebSocket(`${orderly.url.replace(/^http/, 'ws')}/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => undefined);
    });
    ws.terminate();
    expect(status).toBe(401);
  });
});
