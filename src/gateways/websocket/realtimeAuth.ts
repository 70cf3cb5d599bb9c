import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../domain/principal.js';

/** Why a real-time connection was refused; `reason` is safe to show the client. */
export interface RealtimeAuthFailure {
  readonly reason: string;
}

/**
 * Who opens a real-time connection: a bearer token in `Authorization`, or a short-lived ticket
 * in the query string for browsers (which cannot set headers on a WebSocket or EventSource).
 * Implemented in src/gateways/http/auth; both the WebSocket and the SSE gateway take it as a
 * dependency.
 */
export type AuthenticateRealtime = (request: IncomingMessage) => Promise<Principal | RealtimeAuthFailure>;

/** Whether the request's `Origin` is on the allow-list (cross-site WebSocket hijacking). */
export type OriginAllowed = (request: IncomingMessage) => boolean | Promise<boolean>;

export const isAuthFailure = (result: Principal | RealtimeAuthFailure): result is RealtimeAuthFailure => !('userId' in result);
