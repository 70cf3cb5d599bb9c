/**
 * Why a caller was not let in. `code` is for programs (branch on it, never on the text);
 * `reason` is one line safe to show the client: it never echoes the token.
 */
export type AuthFailureCode =
  /** No `Authorization: Bearer …` header and no ticket. */
  | 'missing_credentials'
  /** An `Authorization` header that is not `Bearer <token>`. */
  | 'malformed_header'
  /** The token's lifetime (plus the clock tolerance) has passed. */
  | 'expired'
  /** Anything else wrong with a token or ticket: signature, algorithm, claims, shape. */
  | 'invalid'
  /** A ticket that was already used once: tickets are single-use. */
  | 'ticket_used';

export interface AuthFailure {
  readonly code: AuthFailureCode;
  readonly reason: string;
}

/** What authentication gives: who is asking, or why nobody is. */
export type AuthOutcome<T> = T | AuthFailure;

export const authFailure = (code: AuthFailureCode, reason: string): AuthFailure => ({ code, reason });

/** Tells a failure from a principal: a failure has a `code` and never a `userId`. */
export const isAuthFailure = <T extends object>(outcome: AuthOutcome<T>): outcome is AuthFailure => 'code' in outcome && 'reason' in outcome && !('userId' in outcome);
