import type { FastifyInstance } from 'fastify';
import type { Metrics } from './createMetrics.js';

/** `GET /metrics`: the Prometheus text exposition of `metrics`. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Pick<Metrics, 'metrics' | 'contentType'>): void {
  app.get('/metrics', async (_request, reply) => reply.header('content-type', metrics.contentType).send(await metrics.metrics()));
}
