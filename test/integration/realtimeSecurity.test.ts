import { get } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv, tokenFor } from '../support/auth.js';
import { connectRealtime, subscribe, until, upgradeStatus, type RealtimeClient } from '../support/realtimeClient.js';

/**
 * Issue 4, security: every way in that the README refuses is refused as it says (401 without a
 * valid, unexpired HS256 token; 403 for a foreign Origin; an error frame for a foreign topic;
 * 1009 for an oversize frame; rate_limited then 1008 for a flood), each next to a control that
 * is let in, and nothing of another user's order ever reaches the attacker.
 */
const ALLOWED_ORIGIN = 'https://shop.example';
const RATE_BURST = 5;
const run = `rtsec-${process.pid}-${Date.now().toString(36)}`;
const alice = `${run}-alice`;
const bob = `${run}-bob`;
const aliceOrder = `${run}-alice-o1`;
const aliceLater = `${run}-alice-o2`; // does not exist yet when bob subscribes to it

let orderly: Orderly;
let wsUrl: string;
const clients: RealtimeClient[] = [];
/** Every connection the attacker opened: none may ever receive a thing of alice's. */
const bobClients: RealtimeClient[] = [];

beforeAll(async () => {
  const env = {
    PORT: '0',
    LOG_LEVEL: 'silent',
    ORDERLY_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    ORDERLY_HUB_RATE_BURST: String(RATE_BURST),
    ORDERLY_HUB_RATE_PER_SECOND: '1',
    ...testAuthEnv,
  };
  orderly = await createOrderly(loadConfig(env), { logger: pino({ level: 'silent' }) });
  wsUrl = `${orderly.url.replace(/^http/, 'ws')}/ws`;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await orderly.stop();
});

async function open(userId: string, role: 'user' | 'admin' = 'user'): Promise<RealtimeClient> {
  const client = await connectRealtime(wsUrl, await bearer(userId, role));
  clients.push(client);
  if (userId === bob) bobClients.push(client);
  return client;
}

async function postOrder(orderId: string, userId: string): Promise<void> {
  const response = await fetch(`${orderly.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await bearer(userId)) },
    body: JSON.stringify({ orderId, userId, items: [{ productId: `${run}-secret-product`, quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' }),
  });
  expect(response.status).toBe(202);
  await response.text();
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

describe('real-time security - the WebSocket upgrade', () => {
  it('refuses a missing, malformed, foreign-signed, unsigned or expired token with 401, and lets a valid one in', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: bob, role: 'admin', exp: nowS() + 3600 })}.`;
    const refused = {
      none: await upgradeStatus(wsUrl),
      malformed: await upgradeStatus(wsUrl, { authorization: 'Bearer not-a-jwt' }),
      notBearer: await upgradeStatus(wsUrl, { authorization: `Basic ${Buffer.from('bob:pw').toString('base64')}` }),
      otherSecret: await upgradeStatus(wsUrl, { authorization: `Bearer ${await tokenFor(bob, 'admin', { secret: 'another-secret-0123456789-abcdefghijklmnop' })}` }),
      algNone: await upgradeStatus(wsUrl, { authorization: `Bearer ${unsigned}` }),
      expired: await upgradeStatus(wsUrl, { authorization: `Bearer ${await tokenFor(bob, 'user', { expiresInS: -60 })}` }),
    };
    expect(refused).toEqual({ none: 401, malformed: 401, notBearer: 401, otherSecret: 401, algNone: 401, expired: 401 });
    expect(await upgradeStatus(wsUrl, await bearer(bob))).toBe(101);
  });

  it('refuses a foreign Origin with 403 even with a valid token, and lets in the allow-listed and the server’s own', async () => {
    const token = await bearer(bob);
    expect(await upgradeStatus(wsUrl, { ...token, origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(wsUrl, { ...token, origin: 'null' })).toBe(403);
    expect(await upgradeStatus(wsUrl, { ...token, origin: ALLOWED_ORIGIN })).toBe(101);
    expect(await upgradeStatus(wsUrl, { ...token, origin: orderly.url })).toBe(101);
  });
});

describe('real-time security - topics', () => {
  it('refuses another user’s order, user topic and admin:all, and never sends bob anything of alice’s', async () => {
    const aliceClient = await open(alice);
    expect((await subscribe(aliceClient, `user:${alice}`)).type).toBe('subscribed');
    const admin = await open(`${run}-admin`, 'admin');
    expect((await subscribe(admin, `order:${aliceLater}`)).type).toBe('subscribed');
    await postOrder(aliceOrder, alice);
    await aliceClient.waitFor((f) => f.type === 'event' && f.event?.snapshot.orderId === aliceOrder, 'alice’s own order on her topic');

    const attacker = await open(bob);
    const refusals = [
      await subscribe(attacker, `order:${aliceOrder}`),
      await subscribe(attacker, `user:${alice}`),
      await subscribe(attacker, 'admin:all'),
    ];
    expect(refusals).toMatchObject([
      { type: 'error', code: 'forbidden', topic: `order:${aliceOrder}` },
      { type: 'error', code: 'forbidden', topic: `user:${alice}` },
      { type: 'error', code: 'forbidden', topic: 'admin:all' },
    ]);
    // An order nobody owns yet may be subscribed to; once it turns out to be alice's, every
    // delivery is checked against its owner, so bob still gets nothing of it.
    expect((await subscribe(attacker, `order:${aliceLater}`)).type).toBe('subscribed');
    await postOrder(aliceLater, alice);
    await aliceClient.waitFor((f) => f.type === 'event' && f.event?.snapshot.orderId === aliceLater, 'alice’s later order on her topic');
    await admin.waitFor((f) => f.type === 'event' && f.event?.snapshot.orderId === aliceLater, 'the later order on its order topic, for an admin');
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for anything that should not come
  });

  it('refuses the same over SSE: 401 without a token, 403 for a foreign Origin, a foreign user topic or a foreign order', async () => {
    // A refusal's body is read, so that no response is left holding its connection.
    const stream = async (topic: string, headers: Record<string, string>) => {
      const response = await fetch(`${orderly.url}/events/stream?topic=${encodeURIComponent(topic)}`, { headers });
      await response.text();
      return response;
    };
    const token = await bearer(bob);
    const statuses = {
      none: (await stream(`user:${bob}`, {})).status,
      expired: (await stream(`user:${bob}`, { authorization: `Bearer ${await tokenFor(bob, 'user', { expiresInS: -60 })}` })).status,
      origin: (await stream(`user:${bob}`, { ...token, origin: 'https://evil.example' })).status,
      foreignUser: (await stream(`user:${alice}`, token)).status,
      foreignOrder: (await stream(`order:${aliceOrder}`, token)).status,
    };
    expect(statuses).toEqual({ none: 401, expired: 401, origin: 403, foreignUser: 403, foreignOrder: 403 });
    // Control: bob's own topic opens a stream.
    // Over node:http so that the connection is really closed afterwards (fetch would keep it).
    const own = await new Promise<number>((resolve, reject) => {
      const request = get(`${orderly.url}/events/stream?topic=user:${bob}`, { headers: token, agent: false }, (response) => {
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.on('error', reject);
    });
    expect(own).toBe(200);
  });
});

describe('real-time security - hostile frames', () => {
  it('closes a connection that sends a frame over 64 KiB with 1009, after answering one just under it', async () => {
    const client = await open(bob);
    client.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(60 * 1024) }));
    await client.waitFor((f) => f.type === 'pong', 'a pong to a 60 KiB frame');
    client.send('x'.repeat(64 * 1024 + 1));
    const closed = await Promise.race([client.closed, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000, undefined))]);
    expect(closed?.code).toBe(1009);
  });

  it('answers a flood with rate_limited error frames, then closes it with 1008', async () => {
    const client = await open(bob);
    for (let i = 0; i < 60; i++) client.send({ type: 'ping' });
    const closed = await Promise.race([client.closed, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000, undefined))]);
    expect(closed?.code).toBe(1008);
    const pongs = client.frames.filter((f) => f.type === 'pong').length;
    const limited = client.frames.filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
    expect(pongs).toBeGreaterThanOrEqual(RATE_BURST);
    expect(pongs).toBeLessThan(RATE_BURST + 3); // a token or two may refill meanwhile, not more
    expect(limited).toBeGreaterThan(0);
    // The burst was answered before anything was refused.
    expect(client.frames.findIndex((f) => f.type === 'error')).toBeGreaterThanOrEqual(RATE_BURST);
  });
});

describe('real-time security - what the attacker saw', () => {
  it('never received an event, a reset or any content of alice’s on any of bob’s connections', async () => {
    await until(() => bobClients.length >= 3, () => 'the attacker’s connections of the tests above');
    const frames = bobClients.flatMap((client) => client.frames);
    expect(frames.filter((f) => f.type === 'event' || f.type === 'reset')).toEqual([]);
    expect(frames.filter((f) => f.raw.includes(`"userId":"${alice}"`) || f.raw.includes(`${run}-secret-product`))).toEqual([]);
  });
});
