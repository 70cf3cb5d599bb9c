import type { IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpAuth, isAuthFailure, TICKET_AUDIENCE, TICKET_TYPE, type HttpAuth, type VerifiedToken } from '../../../src/gateways/http/auth/index.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { createRedisDedupStore } from '../../../src/gateways/redis/createRedisDedupStore.js';
import type { DedupStore } from '../../../src/streams/dedupStore.js';
import { TEST_JWT_SECRET } from '../../support/auth.js';
import { FakeClock } from '../../support/fakeClock.js';

const alice: VerifiedToken = { principal: { userId: 'alice', role: 'user' }, expiresAt: Date.UTC(2026, 0, 1, 1) };

function setup(dedup?: DedupStore, clock = new FakeClock(Date.UTC(2026, 0, 1))) {
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: dedup ?? createMemoryDedupStore({}, { clock }), clock });
  return { clock, auth };
}

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe('auth tickets - single use', () => {
  it('gives a short-lived JWT of its own type and audience, with an id', async () => {
    const { auth } = setup();
    const issued = await auth.issueTicket(alice);
    expect(issued.expiresInMs).toBe(30_000);
    expect(decodeProtectedHeader(issued.ticket)).toMatchObject({ alg: 'HS256', typ: TICKET_TYPE });
    expect(decodeJwt(issued.ticket)).toMatchObject({ sub: 'alice', role: 'user', aud: TICKET_AUDIENCE, jti: expect.any(String) });
  });

  it('lets a ticket in once, and refuses it every time after', async () => {
    const { auth } = setup();
    const { ticket } = await auth.issueTicket(alice);
    expect(await auth.authenticateRealtime({ ticket })).toEqual({ userId: 'alice', role: 'user' });
    expect(await auth.authenticateRealtime({ ticket })).toEqual({ code: 'ticket_used', reason: 'ticket already used; ask for a new one' });
    const other = await auth.issueTicket(alice);
    expect(await auth.authenticateRealtime({ ticket: other.ticket })).toEqual({ userId: 'alice', role: 'user' });
  });

  it('refuses an unused ticket once its lifetime and the clock tolerance have passed', async () => {
    const { auth, clock } = setup();
    const early = await auth.issueTicket(alice);
    const late = await auth.issueTicket(alice);
    clock.advance(30_000 + 4_000);
    expect(isAuthFailure(await auth.authenticateRealtime({ ticket: early.ticket }))).toBe(false);
    clock.advance(2_000);
    expect(await auth.authenticateRealtime({ ticket: late.ticket })).toEqual({ code: 'expired', reason: 'ticket expired' });
  });

  it('never outlives the token it was made from', async () => {
    const { auth, clock } = setup();
    const issued = await auth.issueTicket({ ...alice, expiresAt: clock.now() + 10_000 });
    expect(issued.expiresInMs).toBe(10_000);
    expect(decodeJwt(issued.ticket).exp).toBe((clock.now() + 10_000) / 1000);
  });

  it('is no bearer token, and a bearer token is no ticket', async () => {
    const { auth } = setup();
    const { ticket } = await auth.issueTicket(alice);
    expect(await auth.verifyAuthorization(`Bearer ${ticket}`)).toMatchObject({ code: 'invalid' });
    const bearer = await auth.signAccessToken('alice', 'admin', 60_000);
    expect(await auth.authenticateRealtime({ ticket: bearer })).toMatchObject({ code: 'invalid' });
  });

  it('reads the header first, and a bad header is not rescued by a good ticket', async () => {
    const { auth } = setup();
    const { ticket } = await auth.issueTicket(alice);
    expect(await auth.authenticateRealtime({ authorization: 'Bearer nope', ticket })).toMatchObject({ code: 'invalid' });
    const admin = await auth.signAccessToken('root', 'admin', 60_000);
    expect(await auth.authenticateRealtime({ authorization: `Bearer ${admin}` })).toEqual({ userId: 'root', role: 'admin' });
    expect(await auth.authenticateRealtime({})).toMatchObject({ code: 'missing_credentials' });
  });

  it('takes the ticket from the query string of a raw upgrade or SSE request', async () => {
    const { auth } = setup();
    const { ticket } = await auth.issueTicket(alice);
    expect(await auth.authenticateRealtimeRequest(request(`/events/stream?topic=user:alice&ticket=${ticket}`))).toEqual({ userId: 'alice', role: 'user' });
    expect(await auth.authenticateRealtimeRequest(request(`/ws?ticket=${ticket}`))).toMatchObject({ code: 'ticket_used' });
    expect(await auth.authenticateRealtimeRequest(request('/ws'))).toMatchObject({ code: 'missing_credentials' });
  });
});

describe('auth tickets - across instances on Redis', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const keyPrefix = `orderly-test-tickets-${process.pid}-${Date.now().toString(36)}:`;
  const stores = [createRedisDedupStore({ redis, keyPrefix }), createRedisDedupStore({ redis, keyPrefix })];
  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    for (const store of stores) await store.close();
    await redis.quit();
  });

  it('a ticket made on one instance works once on any: the second instance refuses it', async () => {
    const clock = new FakeClock(Date.now());
    const one: HttpAuth = setup(stores[0], clock).auth;
    const two: HttpAuth = setup(stores[1], clock).auth;
    const { ticket } = await one.issueTicket({ ...alice, expiresAt: clock.now() + 3_600_000 });
    expect(await two.authenticateRealtime({ ticket })).toEqual({ userId: 'alice', role: 'user' });
    expect(await one.authenticateRealtime({ ticket })).toMatchObject({ code: 'ticket_used' });
    // The claim is held only as long as the ticket could be shown: ttl + tolerance + a second.
    const [key] = await redis.keys(`${keyPrefix}*`);
    const pttl = await redis.pttl(key!);
    expect(pttl).toBeGreaterThan(30_000);
    expect(pttl).toBeLessThanOrEqual(36_000);
  });
});
