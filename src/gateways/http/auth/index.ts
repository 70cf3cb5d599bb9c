// The auth room's public surface: what src/app wires and what the real-time gateways call.
export { authFailure, isAuthFailure, type AuthFailure, type AuthFailureCode, type AuthOutcome } from './authFailure.js';
export { createHttpAuth, type HttpAuth, type HttpAuthDeps, type HttpAuthOptions, type RealtimeCredentials } from './createHttpAuth.js';
export { JwtSecretError, MIN_JWT_SECRET_BYTES, randomJwtSecret } from './jwtSecret.js';
export { createOriginPolicy, normaliseOrigin, type OriginPolicy } from './originPolicy.js';
export { TICKET_AUDIENCE, TICKET_TYPE, type IssuedTicket } from './realtimeTickets.js';
export { principalOfRequest, requireAuthentication, sendUnauthorized } from './requireAuthentication.js';
export type { VerifiedToken } from './verifyAccessToken.js';
