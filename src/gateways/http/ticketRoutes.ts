import type { FastifyInstance } from 'fastify';
import type { HttpAuth } from './auth/index.js';

/**
 * `POST /realtime/ticket`: trades the bearer token of the request (checked by the scope's
 * `requireAuthentication`) for a short-lived, single-use ticket that a browser puts in the query
 * string of `/ws` or `/events/stream`, where it cannot set a header. Answered `no-store`: a
 * ticket is a credential.
 */
export function registerTicketRoutes(app: FastifyInstance, auth: Pick<HttpAuth, 'issueTicket'>): void {
  app.post('/realtime/ticket', async (request, reply) => {
    const token = request.verifiedToken;
    if (token === undefined) throw new Error('POST /realtime/ticket must be under requireAuthentication');
    const issued = await auth.issueTicket(token);
    return reply.code(200).header('cache-control', 'no-store').send(issued);
  });
}
