/** One line of the generated summary: a figure of Orderly's against its baseline, round by round. */
export interface SummaryRow {
  /** What was measured, baseline named: `pipeline vs bare XState, 100,000 orders`. */
  readonly scenario: string;
  /** Unit of `orderly` and `baseline`: `events/s`, `ms`, `B`, `KiB`, `MiB`, ... */
  readonly unit: string;
  /** One value per round, in the order the rounds ran (NaN for a round that failed). */
  readonly orderly: readonly number[];
  /** The baseline's value per round, same order; empty for a goal on Orderly's figure alone. */
  readonly baseline: readonly number[];
  /**
   * How the two are compared, round by round: `ratio` is Orderly ÷ baseline, `difference` is
   * Orderly − baseline (in `unit`), `absolute` compares nothing and holds Orderly's median to the goal.
   */
  readonly comparison: 'ratio' | 'difference' | 'absolute';
  /** CPU-seconds (user + system) per 1,000 messages, per round, of the process doing the work. */
  readonly cpuPerThousand?: { readonly orderly: readonly number[]; readonly baseline: readonly number[] };
  /** Checked against the median of the comparison (or of Orderly's figure when `absolute`). */
  readonly goal?: Goal;
}

export interface Goal {
  readonly atLeast?: number;
  readonly atMost?: number;
  /** As the issue states it: `≥ 0.7×`, `≤ 1 ms added`, `< 1 GiB`. */
  readonly text: string;
}

/** Latency percentiles of one measurement, in ms. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

/** A scenario's rows, its chart data and what the reader should know about how it ran. */
export interface ScenarioReport {
  readonly name: string;
  readonly rows: readonly SummaryRow[];
  /** Failures, skips, substitutions: printed under the table. */
  readonly notes: readonly string[];
  /** A measurement or the bench itself failed (a missed goal is no failure). */
  readonly failed?: boolean;
  /** Events per second per round at each number of distinct orders: the throughput chart. */
  readonly throughput?: readonly { readonly orders: number; readonly orderly: readonly number[]; readonly baseline: readonly number[] }[];
  /** Percentiles per round: the latency chart. */
  readonly percentiles?: { readonly orderly: readonly Percentiles[]; readonly baseline: readonly Percentiles[] };
}

/** Met, missed, or nothing to judge. */
export function verdict(value: number | undefined, goal: Goal | undefined): 'yes' | 'no' | 'not measured' | 'no goal' {
  if (goal === undefined) return 'no goal';
  if (value === undefined) return 'not measured';
  if (goal.atLeast !== undefined && value < goal.atLeast) return 'no';
  if (goal.atMost !== undefined && value > goal.atMost) return 'no';
  return 'yes';
}
