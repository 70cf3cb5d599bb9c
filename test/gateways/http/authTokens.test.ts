import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createHttpAuth, isAuthFailure, JwtSecretError, type AuthFailure } from '../../../src/gateways/http/auth/index.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { TEST_JWT_SECRET, tokenFor } from '../../support/auth.js';
import { FakeClock } from '../../support/fakeClock.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore({}, { clock }), clock });
  const verify = (token: string) => auth.verifyAuthorization(`Bearer ${token}`);
  return { clock, auth, verify };
}

const failureOf = (outcome: unknown): AuthFailure => {
  expect(isAuthFailure(outcome as AuthFailure)).toBe(true);
  return outcome as AuthFailure;
};

describe('auth tokens - what gets in', () => {
  it('takes an HS256 token made elsewhere with the secret: sub is the user, role admin and producer are kept', async () => {
    const { clock, verify } = setup();
    for (const role of ['user', 'producer', 'admin'] as const) {
      const verified = await verify(await tokenFor('u-7', role, { nowMs: clock.now() }));
      expect(verified).toEqual({ principal: { userId: 'u-7', role }, expiresAt: clock.now() + 3_600_000 });
    }
  });

  it('treats any other role claim, or none, as a plain user', async () => {
    const { clock, verify } = setup();
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const nowS = clock.now() / 1000;
    for (const claims of [{ role: 'superuser' }, { role: ['admin'] }, {}]) {
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u-8').setExpirationTime(nowS + 60).sign(key);
      expect(await verify(token)).toMatchObject({ principal: { userId: 'u-8', role: 'user' } });
    }
  });

  it('accepts the bearer scheme in any case', async () => {
    const { clock, auth } = setup();
    const token = await tokenFor('u-1', 'user', { nowMs: clock.now() });
    expect(await auth.verifyAuthorization(`bearer ${token}`)).toMatchObject({ principal: { userId: 'u-1' } });
  });
});

describe('auth tokens - what is refused', () => {
  it('no header at all', async () => {
    const { auth } = setup();
    expect(failureOf(await auth.verifyAuthorization(undefined)).code).toBe('missing_credentials');
  });

  it.each([['Basic dTpw'], ['Bearer'], ['Bearer a b'], ['token abc']])('a header that is not "Bearer <token>": %s', async (header) => {
    const { auth } = setup();
    expect(failureOf(await auth.verifyAuthorization(header)).code).toBe('malformed_header');
  });

  it('a token signed with another secret', async () => {
    const { clock, verify } = setup();
    const token = await tokenFor('u-1', 'admin', { nowMs: clock.now(), secret: 'another-secret-that-is-long-enough-0123456789' });
    expect(failureOf(await verify(token))).toEqual({ code: 'invalid', reason: 'token signature does not verify' });
  });

  it('a token whose payload was changed after signing', async () => {
    const { clock, verify } = setup();
    const [header, , signature] = (await tokenFor('u-1', 'user', { nowMs: clock.now() })).split('.');
    const forged = `${header}.${b64({ sub: 'u-1', role: 'admin', exp: clock.now() / 1000 + 60 })}.${signature}`;
    expect(failureOf(await verify(forged)).code).toBe('invalid');
  });

  it('an expired token, once the clock tolerance has passed too', async () => {
    const { clock, verify } = setup();
    const token = await tokenFor('u-1', 'user', { nowMs: clock.now(), expiresInS: 60 });
    clock.advance(60_000 + 4_000);
    expect(isAuthFailure(await verify(token))).toBe(false); // within the 5 s of skew forgiven
    clock.advance(2_000);
    expect(failureOf(await verify(token))).toEqual({ code: 'expired', reason: 'token expired' });
  });

  it('a token without exp: one that never runs out could never be taken back', async () => {
    const { verify } = setup();
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(failureOf(await verify(token))).toEqual({ code: 'invalid', reason: 'token claim "exp" missing' });
  });

  it('a token without sub, or with an empty one', async () => {
    const { clock, verify } = setup();
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(clock.now() / 1000 + 60).sign(key);
    const emptySub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('').setExpirationTime(clock.now() / 1000 + 60).sign(key);
    expect(failureOf(await verify(noSub)).code).toBe('invalid');
    expect(failureOf(await verify(emptySub)).code).toBe('invalid');
  });

  it('alg none, even with every claim in place', async () => {
    const { clock, verify } = setup();
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-1', role: 'admin', exp: clock.now() / 1000 + 60 })}.`;
    expect(failureOf(await verify(unsigned))).toEqual({ code: 'invalid', reason: 'token algorithm not allowed (HS256 only)' });
  });

  it('RS256 with a valid signature of its own key, and HS512 with the right secret', async () => {
    const { clock, verify } = setup();
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'RS256' }).setSubject('u-1').setExpirationTime(clock.now() / 1000 + 60).sign(privateKey);
    const hs512 = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u-1')
      .setExpirationTime(clock.now() / 1000 + 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(failureOf(await verify(rs256)).reason).toBe('token algorithm not allowed (HS256 only)');
    expect(failureOf(await verify(hs512)).reason).toBe('token algorithm not allowed (HS256 only)');
  });

  it('garbage, without echoing it', async () => {
    const { verify } = setup();
    const failure = failureOf(await verify('not.a.jwt'));
    expect(failure.code).toBe('invalid');
    expect(failure.reason).not.toContain('not.a.jwt');
  });
});

describe('auth tokens - the secret', () => {
  it('refuses a secret under 32 bytes with a message naming the variable', () => {
    expect(() => createHttpAuth({ secret: 'short', ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() })).toThrow(JwtSecretError);
    expect(() => createHttpAuth({ secret: 'x'.repeat(31), ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() })).toThrow(
      'ORDERLY_JWT_SECRET must be at least 32 bytes, got 31',
    );
  });
});
