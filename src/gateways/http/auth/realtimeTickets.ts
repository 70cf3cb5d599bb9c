import { SignJWT } from 'jose';
import type { Principal } from '../../../domain/principal.js';
import type { DedupStore } from '../../../streams/dedupStore.js';
import { authFailure, isAuthFailure, type AuthFailure } from './authFailure.js';
import type { VerifiedToken } from './verifyAccessToken.js';
import { principalOf, verifyHs256 } from './verifyHs256.js';

/** A ticket says whom it is for in its header and its audience, so it is never confused with anything else. */
export const TICKET_TYPE = 'orderly-ticket+jwt';
export const TICKET_AUDIENCE = 'orderly:realtime';
/** Put before a ticket's `jti` in the dedup store. */
export const TICKET_CLAIM_PREFIX = 'realtime-ticket:';

export interface IssuedTicket {
  readonly ticket: string;
  /** How long it may still be used; never past the token it was made from. */
  readonly expiresInMs: number;
}

export interface RealtimeTicketsDeps {
  /** Signs and verifies tickets (`JwtKeys.ticket`): every instance with the same secret has it. */
  readonly key: Uint8Array;
  /** Lifetime of a new ticket. */
  readonly ttlMs: number;
  readonly clockToleranceS: number;
  /** Where a redeemed ticket's `jti` is claimed: memory for one instance, Redis for several. */
  readonly dedup: DedupStore;
  readonly now: () => number;
  readonly newId: () => string;
}

export interface RealtimeTickets {
  issue(token: VerifiedToken): Promise<IssuedTicket>;
  /**
   * The principal a ticket was made for, the first time it is shown within its lifetime; a
   * failure after that. Rejects (rather than failing) when the dedup store cannot be reached:
   * that is an outage, not a bad ticket.
   */
  redeem(ticket: string): Promise<Principal | AuthFailure>;
}

/**
 * Tickets for browsers, which cannot put a header on a WebSocket or an EventSource: a signed
 * JWT any instance can verify, short-lived, good for the real-time endpoints only, and single-use
 * because redeeming claims its `jti` in a shared `DedupStore` for as long as it could be shown.
 */
export function createRealtimeTickets(deps: RealtimeTicketsDeps): RealtimeTickets {
  return {
    async issue({ principal, expiresAt }) {
      const now = deps.now();
      const expS = Math.floor(Math.min(now + deps.ttlMs, expiresAt) / 1000);
      const ticket = await new SignJWT({ role: principal.role })
        .setProtectedHeader({ alg: 'HS256', typ: TICKET_TYPE })
        .setSubject(principal.userId)
        .setAudience(TICKET_AUDIENCE)
        .setJti(deps.newId())
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(expS)
        .sign(deps.key);
      return { ticket, expiresInMs: Math.max(0, expS * 1000 - now) };
    },

    async redeem(ticket) {
      const now = deps.now();
      const payload = await verifyHs256(ticket, {
        key: deps.key,
        now,
        clockToleranceS: deps.clockToleranceS,
        audience: TICKET_AUDIENCE,
        typ: TICKET_TYPE,
        requiredClaims: ['exp', 'jti', 'sub'],
        what: 'ticket',
      });
      if (isAuthFailure(payload)) return payload;
      const principal = principalOf(payload, 'ticket');
      if (isAuthFailure(principal)) return principal;
      const { jti } = payload;
      if (typeof jti !== 'string' || jti === '' || jti.length > 128) return authFailure('invalid', 'ticket "jti" must be an id of 1 to 128 characters');
      // Held until the ticket can no longer be verified (exp + tolerance), plus a second for rounding.
      const holdMs = ((payload.exp as number) + deps.clockToleranceS) * 1000 - now + 1000;
      const first = await deps.dedup.claim(TICKET_CLAIM_PREFIX + jti, Math.max(1, Math.ceil(holdMs)));
      return first ? principal : authFailure('ticket_used', 'ticket already used; ask for a new one');
    },
  };
}
