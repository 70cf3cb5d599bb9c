import { SignJWT } from 'jose';
import type { Role } from '../../src/domain/principal.js';

/**
 * The secret every test that calls the HTTP API gives Orderly (`ORDERLY_JWT_SECRET`). Tokens are
 * made here with jose directly, not with Orderly's own signer, so they stand for "a token made
 * elsewhere with the same secret".
 */
export const TEST_JWT_SECRET = 'orderly-test-secret-0123456789-abcdefghijklmnop';

/** The environment entry that goes with `TEST_JWT_SECRET`. */
export const testAuthEnv = { ORDERLY_JWT_SECRET: TEST_JWT_SECRET } as const;

/** A bearer token for `userId` with `role`, valid for `expiresInS` (default an hour) from `nowMs`. */
export async function tokenFor(userId: string, role: Role = 'user', options: { expiresInS?: number; nowMs?: number; secret?: string } = {}): Promise<string> {
  const nowS = Math.floor((options.nowMs ?? Date.now()) / 1000);
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + (options.expiresInS ?? 3600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** `Authorization` header with a token for `userId` and `role`. */
export async function bearer(userId: string, role: Role = 'user'): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(userId, role)}` };
}
