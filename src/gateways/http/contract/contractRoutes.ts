import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asyncApiDocument, type AsyncApiOptions } from './asyncApiDocument.js';
import { openApiDocument, type OpenApiOptions } from './openApiDocument.js';

export type ContractOptions = AsyncApiOptions & OpenApiOptions;

/**
 * `GET /asyncapi.json` and `GET /openapi.json`: what Orderly consumes and publishes, and its HTTP
 * API. Open, like `/healthz`: the documents hold no secrets (broker URLs are cut down to host and
 * port) — register on the root instance, outside the authenticated scope. Both are built once,
 * here, so a bad option fails at start-up and a request only sends bytes already made.
 * @throws AsyncApiOptionsError for options the document cannot describe.
 */
export function registerContractRoutes(app: FastifyInstance, options: ContractOptions): void {
  const asyncApi = JSON.stringify(asyncApiDocument(options));
  const openApi = JSON.stringify(openApiDocument(options));
  const send = (document: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(document);
  app.get('/asyncapi.json', send(asyncApi));
  app.get('/openapi.json', send(openApi));
}
