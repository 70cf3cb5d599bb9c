import type { Principal } from '../../../domain/principal.js';
import { isAuthFailure, type AuthFailure } from './authFailure.js';
import { principalOf, verifyHs256 } from './verifyHs256.js';

/** A bearer token that passed every check. */
export interface VerifiedToken {
  readonly principal: Principal;
  /** When the token runs out, epoch milliseconds (its `exp`); a ticket made from it never outlives it. */
  readonly expiresAt: number;
}

export interface AccessTokenCheck {
  readonly key: Uint8Array;
  readonly now: number;
  readonly clockToleranceS: number;
}

/**
 * A bearer token: HS256 with the configured secret, `exp` required (a token that never runs out
 * cannot be taken back), `sub` the user id, `role` the role.
 */
export async function verifyAccessToken(token: string, check: AccessTokenCheck): Promise<VerifiedToken | AuthFailure> {
  const payload = await verifyHs256(token, { ...check, requiredClaims: ['exp', 'sub'], what: 'token' });
  if (isAuthFailure(payload)) return payload;
  const principal = principalOf(payload, 'token');
  if (isAuthFailure(principal)) return principal;
  return { principal, expiresAt: (payload.exp as number) * 1000 };
}
