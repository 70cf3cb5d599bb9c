import type { z } from 'zod';
import { schemaRef } from './cloudEventSchemas.js';
import { openApiPaths } from './openApiPaths.js';
import { openApiSchemas, type TaskType } from './openApiSchemas.js';

export interface OpenApiOptions {
  /** Orderly's version: the document's `info.version`. */
  readonly version: string;
  /**
   * The zod schema each task type's payload is checked with (the jobs' `emailInput` and
   * `reportInput`, which a gateway may not import). @default any object
   */
  readonly taskPayloads?: Partial<Record<TaskType, z.ZodType>>;
}

const error = (description: string) => ({ description, content: { 'application/json': { schema: schemaRef('Error') } } });

/**
 * The OpenAPI 3.1 description of the HTTP API. Everything needs a bearer token (`sub` = user id,
 * `role` = `user`, `producer` or `admin`) except health, the live page and the two contract
 * documents; the real-time endpoints also take a single-use ticket in the query string.
 */
export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const { schemas, events } = openApiSchemas(options.taskPayloads ?? {});
  return {
    openapi: '3.1.0',
    info: {
      title: 'Orderly HTTP API',
      version: options.version,
      description:
        'Orders and events in, over HTTP; order state, tasks and dead letters out. Writes are answered once the broker has the event (202), ' +
        'and applied by the pipeline afterwards. The events themselves are described by the AsyncAPI document at `/asyncapi.json`.',
    },
    security: [{ bearer: [] }],
    paths: openApiPaths(events),
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256; claims `sub` (user id) and `role`.' },
        ticket: { type: 'apiKey', in: 'query', name: 'ticket', description: 'Single use, short-lived, from `POST /realtime/ticket`.' },
      },
      responses: {
        400: error('The request is invalid; `message` (and `issues`) name the fields.'),
        401: error('No bearer token, or a bad one (`WWW-Authenticate: Bearer`).'),
        403: error("The caller's role may not do this."),
        404: error("Not there, or not the caller's: the two look the same."),
        415: error('Not a CloudEvent: no `application/cloudevents+json` content type and no `ce-specversion` header.'),
        503: error('Draining or the broker is unavailable; `Retry-After` says when to try again.'),
      },
    },
  };
}
