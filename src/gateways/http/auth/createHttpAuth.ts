import type { IncomingMessage } from 'node:http';
import { systemClock, type Clock } from '../../../domain/clock.js';
import type { Principal, Role } from '../../../domain/principal.js';
import type { DedupStore } from '../../../streams/dedupStore.js';
import { authFailure, isAuthFailure, type AuthFailure } from './authFailure.js';
import { bearerTokenOf, MAX_TOKEN_CHARS } from './bearerToken.js';
import { jwtKeysOf } from './jwtSecret.js';
import { createOriginPolicy, type OriginPolicy } from './originPolicy.js';
import { createRealtimeTickets, type IssuedTicket } from './realtimeTickets.js';
import { signAccessToken } from './signAccessToken.js';
import { verifyAccessToken, type VerifiedToken } from './verifyAccessToken.js';

export interface HttpAuthOptions {
  /** `ORDERLY_JWT_SECRET`: at least 32 bytes (`JwtSecretError` otherwise). */
  readonly secret: string;
  /** Lifetime of a real-time ticket (`ORDERLY_TICKET_TTL_MS`). */
  readonly ticketTtlMs: number;
  /** Cross-site origins allowed on the real-time endpoints (`ORDERLY_ALLOWED_ORIGINS`); the server's own always is. */
  readonly allowedOrigins: readonly string[];
  /** Clock skew forgiven on `exp` and `nbf`, in seconds, for tokens and tickets alike. @default 5 */
  readonly clockToleranceS?: number;
}

export interface HttpAuthDeps {
  /** Where redeemed tickets are remembered; shared between instances when there are several. */
  readonly dedup: DedupStore;
  /** @default systemClock */
  readonly clock?: Pick<Clock, 'now'>;
  /** Ticket ids. @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** What a real-time endpoint was shown: the `Authorization` header, or a `?ticket=` for browsers. */
export interface RealtimeCredentials {
  readonly authorization?: string | undefined;
  readonly ticket?: string | undefined;
}

export interface HttpAuth {
  /** The `Authorization` header of an API request, checked. */
  verifyAuthorization(authorization: string | undefined): Promise<VerifiedToken | AuthFailure>;
  issueTicket(token: VerifiedToken): Promise<IssuedTicket>;
  /**
   * The one check the WebSocket upgrade and the SSE route make: the bearer header when there is
   * one (a bad header is not rescued by a ticket), else the ticket. Rejects only on an outage of
   * the ticket store.
   */
  authenticateRealtime(credentials: RealtimeCredentials): Promise<Principal | AuthFailure>;
  /** The same, read off a raw request (`?ticket=` in its URL). */
  authenticateRealtimeRequest(request: IncomingMessage): Promise<Principal | AuthFailure>;
  /** Origin allow-list: see `createOriginPolicy`. */
  readonly originAllowed: OriginPolicy;
  /** The same, read off a raw request's `Origin` and `Host`. */
  originAllowedRequest(request: IncomingMessage): boolean;
  /** A bearer token signed with the configured secret (what `npm start` prints when it made the secret). */
  signAccessToken(userId: string, role: Role, expiresInMs: number): Promise<string>;
}

/** Authentication for every HTTP entry point, made once from the configured secret. */
export function createHttpAuth(options: HttpAuthOptions, deps: HttpAuthDeps): HttpAuth {
  const keys = jwtKeysOf(options.secret);
  const clockToleranceS = options.clockToleranceS ?? 5;
  if (!Number.isFinite(clockToleranceS) || clockToleranceS < 0) throw new RangeError(`clockToleranceS must be a non-negative number, got ${clockToleranceS}`);
  const clock = deps.clock ?? systemClock;
  const tickets = createRealtimeTickets({
    key: keys.ticket,
    ttlMs: options.ticketTtlMs,
    clockToleranceS,
    dedup: deps.dedup,
    now: () => clock.now(),
    newId: deps.newId ?? (() => crypto.randomUUID()),
  });
  const originAllowed = createOriginPolicy(options.allowedOrigins);

  const verifyAuthorization = async (authorization: string | undefined): Promise<VerifiedToken | AuthFailure> => {
    const token = bearerTokenOf(authorization);
    if (token === undefined) return authFailure('missing_credentials', 'send Authorization: Bearer <token>');
    if (typeof token !== 'string') return token;
    return verifyAccessToken(token, { key: keys.access, now: clock.now(), clockToleranceS });
  };

  const authenticateRealtime = async ({ authorization, ticket }: RealtimeCredentials): Promise<Principal | AuthFailure> => {
    if (authorization !== undefined && authorization !== '') {
      const verified = await verifyAuthorization(authorization);
      return isAuthFailure(verified) ? verified : verified.principal;
    }
    if (ticket === undefined || ticket === '') return authFailure('missing_credentials', 'send Authorization: Bearer <token>, or ?ticket= from POST /realtime/ticket');
    if (ticket.length > MAX_TOKEN_CHARS) return authFailure('invalid', 'ticket too long');
    return tickets.redeem(ticket);
  };

  return {
    verifyAuthorization,
    issueTicket: (token) => tickets.issue(token),
    authenticateRealtime,
    authenticateRealtimeRequest: (request) =>
      authenticateRealtime({ authorization: request.headers.authorization, ticket: ticketOf(request.url) }),
    originAllowed,
    originAllowedRequest: (request) => originAllowed(request.headers.origin, request.headers.host),
    signAccessToken: (userId, role, expiresInMs) => signAccessToken(keys.access, { userId, role, now: clock.now(), expiresInMs }),
  };
}

/** The `ticket` query parameter of a request target, if any. */
function ticketOf(target: string | undefined): string | undefined {
  if (target === undefined || !target.includes('ticket=')) return undefined;
  try {
    return new URL(target, 'http://localhost').searchParams.get('ticket') ?? undefined;
  } catch {
    return undefined;
  }
}
