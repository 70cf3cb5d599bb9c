/** Public surface of Orderly's Prometheus metrics (issue 6). */
export { createMetrics, InvalidMetricsOptionsError, type Metrics, type MetricsOptions, type MetricsParts } from './createMetrics.js';
export { DEFAULT_LATENCY_BUCKETS } from './deliveryMetrics.js';
export type { KafkaLagAdmin, KafkaLagOptions } from './kafkaLag.js';
export { metricsOptionsFor } from './metricsOptionsFor.js';
export { processRegistry } from './processRegistry.js';
export { registerMetricsRoute } from './registerMetricsRoute.js';
export type { SupervisorRef } from './supervisorMetrics.js';
