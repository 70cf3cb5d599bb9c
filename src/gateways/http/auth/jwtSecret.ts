import { hkdfSync, randomBytes } from 'node:crypto';

/** Fewest bytes an HS256 secret may have: RFC 7518 §3.2 wants a key at least as long as the hash. */
export const MIN_JWT_SECRET_BYTES = 32;

/** A secret too weak to sign with; the message names the variable it came from. */
export class JwtSecretError extends Error {
  override readonly name = 'JwtSecretError';
}

/** The keys Orderly signs and verifies with, both from the one configured secret. */
export interface JwtKeys {
  /** Verifies bearer tokens: the secret's UTF-8 bytes, as every JWT library takes a text secret. */
  readonly access: Uint8Array;
  /**
   * Signs and verifies real-time tickets. Derived (HKDF) rather than the secret itself, so a
   * ticket can never pass as a bearer token, whatever claims it carries, and every instance with
   * the same secret derives the same key.
   */
  readonly ticket: Uint8Array;
}

/** Checks the secret's strength and derives the keys. Throws `JwtSecretError`. */
export function jwtKeysOf(secret: string, variable = 'ORDERLY_JWT_SECRET'): JwtKeys {
  const access = new TextEncoder().encode(secret);
  if (access.byteLength < MIN_JWT_SECRET_BYTES) {
    throw new JwtSecretError(`${variable} must be at least ${MIN_JWT_SECRET_BYTES} bytes, got ${access.byteLength}`);
  }
  const ticket = new Uint8Array(hkdfSync('sha256', access, new Uint8Array(0), 'orderly realtime ticket v1', 32));
  return { access, ticket };
}

/** A secret for one run when none is configured: 32 random bytes, base64url. */
export const randomJwtSecret = (): string => randomBytes(MIN_JWT_SECRET_BYTES).toString('base64url');
