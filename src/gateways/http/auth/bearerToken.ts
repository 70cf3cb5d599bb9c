import { authFailure, type AuthFailure } from './authFailure.js';

/** Longest token accepted: far above any real HS256 token, small enough that nobody parses megabytes. */
export const MAX_TOKEN_CHARS = 8 * 1024;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive), `undefined` when there is no header, or why the header is not one.
 */
export function bearerTokenOf(authorization: string | undefined): string | undefined | AuthFailure {
  if (authorization === undefined || authorization === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match?.[1]) return authFailure('malformed_header', 'Authorization must be "Bearer <token>"');
  if (match[1].length > MAX_TOKEN_CHARS) return authFailure('invalid', 'token too long');
  return match[1];
}
