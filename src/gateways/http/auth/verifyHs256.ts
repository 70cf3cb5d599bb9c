import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal, Role } from '../../../domain/principal.js';
import { authFailure, type AuthFailure } from './authFailure.js';

/** Longest `sub` taken as a user id; longer ones are refused rather than carried into topics and logs. */
const MAX_SUBJECT_CHARS = 256;

export interface Hs256Check {
  readonly key: Uint8Array;
  /** Epoch milliseconds now, from the injected clock. */
  readonly now: number;
  readonly clockToleranceS: number;
  readonly audience?: string;
  readonly typ?: string;
  readonly requiredClaims: readonly string[];
  /** "token" or "ticket", for the reason text. */
  readonly what: string;
}

/**
 * Verifies a compact JWT signed with HS256 and nothing else: `alg: none`, RS256 and every other
 * algorithm are refused before any key is used, so a public key can never be mistaken for the
 * secret. A bad token becomes an `AuthFailure`; anything that is not a JOSE error is a bug and
 * is thrown.
 */
export async function verifyHs256(token: string, check: Hs256Check): Promise<JWTPayload | AuthFailure> {
  try {
    const { payload } = await jwtVerify(token, check.key, {
      algorithms: ['HS256'],
      clockTolerance: check.clockToleranceS,
      currentDate: new Date(check.now),
      requiredClaims: [...check.requiredClaims],
      ...(check.audience !== undefined ? { audience: check.audience } : {}),
      ...(check.typ !== undefined ? { typ: check.typ } : {}),
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) return authFailure('expired', `${check.what} expired`);
    if (error instanceof errors.JOSEAlgNotAllowed) return authFailure('invalid', `${check.what} algorithm not allowed (HS256 only)`);
    if (error instanceof errors.JWSSignatureVerificationFailed) return authFailure('invalid', `${check.what} signature does not verify`);
    if (error instanceof errors.JWTClaimValidationFailed) return authFailure('invalid', `${check.what} claim "${error.claim}" ${error.reason}`);
    if (error instanceof errors.JOSEError) return authFailure('invalid', `${check.what} is not a valid JWT`);
    throw error;
  }
}

/** `role: "admin"` and `role: "producer"` are those roles; any other value, or none, is a user. */
export const roleOf = (claim: unknown): Role => (claim === 'admin' || claim === 'producer' ? claim : 'user');

/** The principal a verified payload names: `sub` is the user id. */
export function principalOf(payload: JWTPayload, what: string): Principal | AuthFailure {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_CHARS) {
    return authFailure('invalid', `${what} "sub" must be a user id of 1 to ${MAX_SUBJECT_CHARS} characters`);
  }
  return { userId: sub, role: roleOf(payload.role) };
}
