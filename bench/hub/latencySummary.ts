/** Delivery latency of one phase, in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentiles; sorts `samples` in place. */
export function latencySummary(samples: Float64Array): LatencySummary {
  if (samples.length === 0) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN };
  samples.sort();
  const rank = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), p999: rank(0.999), max: samples[samples.length - 1]! };
}
