import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role } from '../../../domain/principal.js';
import { isAuthFailure, type AuthFailure } from './authFailure.js';
import type { HttpAuth } from './createHttpAuth.js';
import type { VerifiedToken } from './verifyAccessToken.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's checked bearer token; set on every route of a scope under `requireAuthentication`. */
    verifiedToken: VerifiedToken | undefined;
  }
  interface FastifyContextConfig {
    /** Roles that may call the route besides `admin`, who may call every route. Unset: any authenticated caller. */
    roles?: readonly Role[];
  }
}

/**
 * Puts every route of `scope` (and of the scopes under it) behind a bearer token: without one
 * or with a bad one the answer is `401` with `WWW-Authenticate: Bearer` (RFC 6750), before the
 * body is even read; a route whose `config.roles` leaves the caller's role out answers `403`.
 * Routes outside the scope — `/healthz`, `/readyz`, `/metrics` — are untouched. Secure by
 * default: a route added to the scope needs a token unless it is moved out of it on purpose.
 */
export function requireAuthentication(scope: FastifyInstance, auth: Pick<HttpAuth, 'verifyAuthorization'>): void {
  scope.decorateRequest('verifiedToken', undefined);
  scope.addHook('onRequest', async (request, reply) => {
    const verified = await auth.verifyAuthorization(request.headers.authorization);
    if (isAuthFailure(verified)) return sendUnauthorized(reply, verified);
    const roles = request.routeOptions.config.roles;
    const { role } = verified.principal;
    if (roles !== undefined && role !== 'admin' && !roles.includes(role)) {
      return reply.code(403).send({ error: 'forbidden', message: `role ${role} may not do this; it needs ${['admin', ...roles].join(' or ')}` });
    }
    request.verifiedToken = verified;
  });
}

/** The caller of a route under `requireAuthentication`. */
export function principalOfRequest(request: FastifyRequest): Principal {
  if (request.verifiedToken === undefined) throw new Error(`${request.method} ${request.routeOptions.url ?? request.url} is not under requireAuthentication`);
  return request.verifiedToken.principal;
}

/** `401` with the challenge RFC 6750 asks for: no error code when nothing was sent, `invalid_token` otherwise. */
export function sendUnauthorized(reply: FastifyReply, failure: AuthFailure): FastifyReply {
  const description = failure.reason.replace(/["\\]/g, "'");
  const challenge =
    failure.code === 'missing_credentials' ? 'Bearer realm="orderly"' : `Bearer realm="orderly", error="invalid_token", error_description="${description}"`;
  return reply.code(401).header('www-authenticate', challenge).send({ error: 'unauthorized', code: failure.code, message: failure.reason });
}
