import { generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';
import { createOrderly, type Orderly } from '../../../src/app/createOrderly.js';
import { bearer, testAuthEnv, tokenFor } from '../../support/auth.js';

// The access rules of issue 4 on the real HTTP server of an embedded Orderly.
let orderly: Orderly;
beforeAll(async () => {
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
});
afterAll(() => orderly.stop());

const run = `auth-${process.pid}-${Date.now().toString(36)}`;
const order = (orderId: string, userId: string) => ({ orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, currency: 'EUR' });
const json = { 'content-type': 'application/json' };

const postOrder = (body: unknown, headers: Record<string, string>) =>
  fetch(`${orderly.url}/orders`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
const getOrder = (orderId: string, headers: Record<string, string>) => fetch(`${orderly.url}/orders/${orderId}`, { headers });
const postPayment = (orderId: string, headers: Record<string, string>) =>
  fetch(`${orderly.url}/events`, {
    method: 'POST',
    headers: { ...json, 'ce-specversion': '1.0', 'ce-id': `${orderId}-pay`, 'ce-source': '/t', 'ce-type': 'payment.completed', ...headers },
    body: JSON.stringify({ orderId, paymentId: 'pay', amountCents: 100 }),
  });

/** Bounded wait until the pipeline has stored the order. */
async function stored(orderId: string): Promise<void> {
  for (let i = 0; i < 200 && !(await orderly.pipeline.store.load(orderId))?.view; i++) await new Promise((r) => setTimeout(r, 10));
  expect((await orderly.pipeline.store.load(orderId))?.view, `order ${orderId} stored`).toBeDefined();
}

describe('http auth - 401 without a good token', () => {
  it('answers 401 with WWW-Authenticate: Bearer and publishes nothing when there is no token', async () => {
    const response = await postOrder(order(`${run}-none`, 'alice'), {});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="orderly"');
    expect(await response.json()).toMatchObject({ error: 'unauthorized', code: 'missing_credentials' });
    expect((await getOrder('x', {})).status).toBe(401);
    expect((await postPayment('x', {})).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(await orderly.pipeline.store.load(`${run}-none`)).toBeUndefined();
  });

  it('answers 401 with error="invalid_token" for a bad signature, an expired token, alg none and RS256', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const exp = Math.floor(Date.now() / 1000) + 60;
    const tokens = [
      await tokenFor('alice', 'admin', { secret: 'not-the-secret-but-long-enough-0123456789' }),
      await tokenFor('alice', 'user', { nowMs: Date.now() - 3_600_000, expiresInS: 60 }),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin', exp })).toString('base64url')}.`,
      await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'RS256' }).setSubject('alice').setExpirationTime(exp).sign(privateKey),
    ];
    for (const token of tokens) {
      const response = await getOrder('anything', { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="orderly", error="invalid_token", error_description="[^"]+"$/);
    }
  });
});

describe('http auth - orders belong to their user', () => {
  it('lets a user create their own order, and defaults userId to the token subject', async () => {
    const alice = await bearer('alice');
    expect((await postOrder(order(`${run}-a1`, 'alice'), alice)).status).toBe(202);
    const { userId: _, ...withoutUser } = order(`${run}-a2`, 'alice');
    expect((await postOrder(withoutUser, alice)).status).toBe(202);
    await stored(`${run}-a2`);
    expect((await orderly.pipeline.store.load(`${run}-a2`))?.view?.userId).toBe('alice');
  });

  it("answers 403 to a user creating an order for someone else's userId, and publishes nothing", async () => {
    const response = await postOrder(order(`${run}-b1`, 'bob'), await bearer('alice'));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'forbidden' });
    await new Promise((r) => setTimeout(r, 50));
    expect(await orderly.pipeline.store.load(`${run}-b1`)).toBeUndefined();
  });

  it('lets an admin create an order for anyone', async () => {
    expect((await postOrder(order(`${run}-b2`, 'bob'), await bearer('root', 'admin'))).status).toBe(202);
    await stored(`${run}-b2`);
  });

  it("answers 404 for another user's order, exactly as for a missing one; the owner and admins see it", async () => {
    await stored(`${run}-b2`);
    const foreign = await getOrder(`${run}-b2`, await bearer('alice'));
    const missing = await getOrder(`${run}-nope`, await bearer('alice'));
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await foreign.json()).toEqual({ error: 'not_found', message: `no order ${run}-b2` });
    expect((await getOrder(`${run}-b2`, await bearer('bob'))).status).toBe(200);
    expect((await getOrder(`${run}-b2`, await bearer('root', 'admin'))).status).toBe(200);
  });
});

describe('http auth - events are for producers', () => {
  it('answers 403 to a user, 202 to a producer and to an admin', async () => {
    await stored(`${run}-b2`);
    expect((await postPayment(`${run}-b2`, await bearer('bob'))).status).toBe(403);
    expect((await postPayment(`${run}-b2`, await bearer('shop', 'producer'))).status).toBe(202);
    expect((await postPayment(`${run}-b2`, await bearer('root', 'admin'))).status).toBe(202);
  });

  it('does not let a producer read orders it does not own', async () => {
    expect((await getOrder(`${run}-b2`, await bearer('shop', 'producer'))).status).toBe(404);
  });
});

describe('http auth - open and realtime endpoints', () => {
  it('keeps /healthz and /readyz open', async () => {
    expect((await fetch(`${orderly.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${orderly.url}/readyz`)).status).toBe(200);
  });

  it('gives a ticket only for a bearer token, and the ticket authenticates a realtime request once', async () => {
    const refused = await fetch(`${orderly.url}/realtime/ticket`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="orderly"');

    const response = await fetch(`${orderly.url}/realtime/ticket`, { method: 'POST', headers: await bearer('alice') });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { ticket, expiresInMs } = (await response.json()) as { ticket: string; expiresInMs: number };
    expect(expiresInMs).toBeGreaterThan(28_000);
    expect(expiresInMs).toBeLessThanOrEqual(30_000);
    expect(await orderly.auth.authenticateRealtime({ ticket })).toEqual({ userId: 'alice', role: 'user' });
    expect(await orderly.auth.authenticateRealtime({ ticket })).toMatchObject({ code: 'ticket_used' });
    // A ticket opens the realtime endpoints only, never the API.
    expect((await getOrder(`${run}-a1`, { authorization: `Bearer ${ticket}` })).status).toBe(401);
  });
});
