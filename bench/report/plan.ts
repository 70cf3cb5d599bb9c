import type { RunOptions, Scenario } from './options.js';

/** Sizes, settings and time limits of every scenario for one run; pure. */
export interface Plan {
  readonly pipeline: {
    /** Distinct orders (two events each) per throughput measurement: the chart's x axis. */
    readonly orders: readonly number[];
    /** One heap-capped run at this size for the resident-memory goal; none in a quick run. */
    readonly capped: { readonly orders: number; readonly heapMiB: number } | undefined;
  };
  /** The environment each bench that alternates by itself is run with (its BENCH_* settings). */
  readonly env: Readonly<Record<Exclude<Scenario, 'pipeline' | 'overload'>, Readonly<Record<string, string>>>>;
  /** `npm run overload`'s arguments for one round, and the seconds of overload they ask for. */
  readonly overload: { readonly seconds: number; readonly args: readonly string[] };
  /** Hard limit for one child process, per scenario (for the pipeline: per measurement, before the per-order allowance). */
  readonly timeoutMs: Readonly<Record<Scenario, number>>;
}

const MIN = 60_000;

export function planFor(options: RunOptions): Plan {
  const rounds = String(options.rounds);
  const override = options.timeoutMinutes === undefined ? undefined : options.timeoutMinutes * MIN;
  const timeouts = (full: Record<Scenario, number>): Record<Scenario, number> =>
    Object.fromEntries(Object.entries(full).map(([k, v]) => [k, override ?? (options.quick ? Math.min(v, 10 * MIN) : v)])) as Record<Scenario, number>;
  const limits = timeouts({ pipeline: 3 * MIN, brokers: 180 * MIN, hub: 60 * MIN, latency: 30 * MIN, metrics: 30 * MIN, overload: 25 * MIN });
  if (options.quick) {
    return {
      pipeline: { orders: [1_000, 3_000, 10_000], capped: undefined },
      env: {
        brokers: { BENCH_ORDERS: '300', BENCH_SEQUENTIAL_ORDERS: '100', BENCH_ROUNDS: rounds },
        hub: { BENCH_CLIENTS: '100', BENCH_MESSAGES: '50', BENCH_WARMUP: '5', BENCH_PACED_MESSAGES: '10', BENCH_ROUNDS: rounds },
        latency: { BENCH_ORDERS: '300', BENCH_WARMUP_ORDERS: '100', BENCH_SATURATION_ORDERS: '1000', BENCH_SATURATION_ROUNDS: '1', BENCH_ROUNDS: rounds },
        metrics: { BENCH_ORDERS: '1000', BENCH_ROUNDS: rounds },
      },
      overload: { seconds: 10, args: ['--seconds', '10', '--measure', '6', '--prefill', '40000'] },
      timeoutMs: limits,
    };
  }
  return {
    pipeline: { orders: [1_000, 10_000, 100_000], capped: { orders: 1_000_000, heapMiB: 700 } },
    env: {
      brokers: { BENCH_ORDERS: '1000,100000', BENCH_ROUNDS: rounds },
      hub: { BENCH_CLIENTS: '1000,10000', BENCH_ROUNDS: rounds },
      latency: { BENCH_ROUNDS: rounds, BENCH_SATURATION_ROUNDS: rounds },
      metrics: { BENCH_ROUNDS: rounds },
    },
    // 80,000 waiting: the raw client, faster than Orderly, must not run out during its 5 s first estimate and the 15 s measurement beside the producer.
    overload: { seconds: 60, args: ['--seconds', '60', '--prefill', '80000'] },
    timeoutMs: limits,
  };
}

/** The pipeline's limit for one measurement of `orders` orders: the base plus 2 ms per order (a 1M run gets about 36 min). */
export const pipelineTimeoutMs = (plan: Plan, orders: number): number => plan.timeoutMs.pipeline + orders * 2;
