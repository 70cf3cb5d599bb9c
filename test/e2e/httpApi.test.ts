import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';

let orderly: Orderly;
let user: { authorization: string };
let producer: { authorization: string };
beforeAll(async () => {
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
  [user, producer] = await Promise.all([bearer('u-1'), bearer('shop', 'producer')]);
});
afterAll(() => orderly.stop());

const order = (orderId: string) => ({
  orderId,
  userId: 'u-1',
  items: [{ productId: 'p-1', quantity: 2, priceCents: 500 }],
  totalCents: 1000,
  currency: 'EUR',
});

/** POSTs as user u-1 to /orders and as a producer to /events, unless `headers` name someone. */
async function post(path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const as = path === '/events' ? producer : user;
  return fetch(`${orderly.url}${path}`, { method: 'POST', headers: { ...as, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const get = (path: string) => fetch(`${orderly.url}${path}`, { headers: user });

/** Polls until the order reaches `status`; bounded, so a lost event fails instead of hanging. */
async function orderWhen(orderId: string, status: string): Promise<Record<string, unknown>> {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    const response = await get(`/orders/${orderId}`);
    if (response.status === 200) {
      last = await response.json();
      if ((last as { status: string }).status === status) return last as Record<string, unknown>;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`order ${orderId} never reached ${status}; last seen ${JSON.stringify(last)}`);
}

describe('http api - orders', () => {
  it('accepts an order with 202 and Location, then serves it once applied', async () => {
    const response = await post('/orders', order('e2e-1'), { 'content-type': 'application/json', 'x-correlation-id': 'corr-e2e-1' });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/orders/e2e-1');
    expect(await response.json()).toEqual({ orderId: 'e2e-1', correlationId: 'corr-e2e-1', status: 'accepted' });
    const stored = await orderWhen('e2e-1', 'pending');
    expect(stored).toMatchObject({ orderId: 'e2e-1', userId: 'u-1', totalCents: 1000, currency: 'EUR', version: 1 });
    expect(stored.history).toMatchObject([{ type: 'order.created', status: 'pending', correlationId: 'corr-e2e-1' }]);
  });

  it('makes an order id when the body has none', async () => {
    const { orderId, ...rest } = order('unused');
    void orderId;
    const response = await post('/orders', rest);
    const body = (await response.json()) as { orderId: string };
    expect(response.status).toBe(202);
    await orderWhen(body.orderId, 'pending');
  });

  it('answers 400 with every failing field', async () => {
    const response = await post('/orders', { ...order('bad-1'), items: [{ productId: 'p', quantity: 0, priceCents: 5 }], currency: 'XYZ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: { path: string }[]; message: string };
    expect(body.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['items.0.quantity', 'currency']));
    expect(body.message).toContain('items.0.quantity');
  });

  it('creates one order when a client retries with the same Idempotency-Key', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'idem-e2e-2' };
    expect((await post('/orders', order('e2e-2'), headers)).status).toBe(202);
    expect((await post('/orders', order('e2e-2'), headers)).status).toBe(202);
    await orderWhen('e2e-2', 'pending');
    await new Promise((r) => setTimeout(r, 50));
    const settled = await get('/orders/e2e-2').then((r) => r.json() as Promise<{ version: number }>);
    expect(settled.version).toBe(1); // the retry was a duplicate: no second write, no dead letter
  });

  it('answers 404 for an order that does not exist', async () => {
    expect((await get('/orders/nope')).status).toBe(404);
  });
});

describe('http api - events', () => {
  it('takes a binary-mode CloudEvent and applies it', async () => {
    await post('/orders', order('e2e-3'));
    await orderWhen('e2e-3', 'pending');
    const response = await post('/events', { orderId: 'e2e-3', paymentId: 'pay-3', amountCents: 1000 }, {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'pay-e2e-3',
      'ce-source': '/test',
      'ce-type': 'payment.completed',
    });
    expect(response.status).toBe(202);
    expect(await orderWhen('e2e-3', 'paid')).toMatchObject({ payment: { paymentId: 'pay-3', amountCents: 1000 } });
  });

  it('takes a structured-mode CloudEvent', async () => {
    const event = {
      specversion: '1.0',
      id: 'created-e2e-4',
      source: '/test',
      type: 'order.created',
      correlationid: 'corr-4',
      data: { ...order('e2e-4'), timestamp: '2026-01-01T00:00:00Z' },
    };
    const response = await post('/events', event, { 'content-type': 'application/cloudevents+json' });
    expect(response.status).toBe(202);
    await orderWhen('e2e-4', 'pending');
  });

  it('refuses an invalid CloudEvent with 400 and its reason, and a non-CloudEvent with 415', async () => {
    const invalid = await post('/events', { orderId: 'x' }, { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'i', 'ce-source': '/t', 'ce-type': 'order.teleported' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'unknown-type' });
    expect((await post('/events', { orderId: 'x' })).status).toBe(415);
  });
});

describe('http api - health', () => {
  it('is alive and ready', async () => {
    expect((await fetch(`${orderly.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${orderly.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { consuming: { ok: true }, draining: { ok: true }, 'source:memory': { ok: true } } });
  });
});
