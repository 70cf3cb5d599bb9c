import { SignJWT } from 'jose';
import type { Role } from '../../../domain/principal.js';

export interface AccessTokenClaims {
  readonly userId: string;
  readonly role: Role;
  /** Epoch milliseconds now. */
  readonly now: number;
  readonly expiresInMs: number;
}

/**
 * A bearer token as Orderly verifies it: HS256, `sub`, `role`, `iat`, `exp`. Orderly itself only
 * uses it for the tokens `npm start` prints when it made its own secret; any JWT library with the
 * same secret makes tokens that work just as well.
 */
export function signAccessToken(key: Uint8Array, claims: AccessTokenClaims): Promise<string> {
  const nowS = Math.floor(claims.now / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + Math.ceil(claims.expiresInMs / 1000))
    .sign(key);
}
