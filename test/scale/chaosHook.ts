import type { OrderlyProcess } from './orderlyProcess.js';

/** What a chaos hook sees on every tick of a scale run (about every 250 ms). */
export interface ChaosTick {
  /** Share of the expected transitions seen on the status channel so far. */
  readonly share: number;
  /** Every Orderly process of the run, dead ones included; `restart` adds to it. */
  readonly processes: readonly OrderlyProcess[];
  /** Starts a process in place of `victim` (same settings, name `<name>#<n>`), once it is ready. */
  restart(victim: OrderlyProcess): Promise<OrderlyProcess>;
  /** When the last new status event arrived: progress after a disruption. */
  readonly lastNewStatusAt: number | undefined;
  readonly figures: Record<string, unknown>;
  /** Problems of the run: anything pushed here fails it. */
  readonly problems: string[];
  log(line: string): void;
  /** Aborted when the run's time is up: a hook stops making trouble. */
  readonly signal: AbortSignal;
}

/** What a chaos hook sees once everything is accounted for, before the oracle runs. */
export interface ChaosFinish {
  readonly figures: Record<string, unknown>;
  readonly problems: string[];
  readonly processes: readonly OrderlyProcess[];
  log(line: string): void;
}

/**
 * Trouble made during a scale run (`ScaleRunOptions.chaos`). The run calls `tick` on every turn
 * of its loop (the run waits for it, so a tick that restarts a process holds the loop, not the
 * events), `finish` after the load is accounted for, and `cleanup` always, even on failure.
 */
export interface ChaosHook {
  tick(at: ChaosTick): Promise<void>;
  /** Adds the hook's figures and notes what it failed to do (e.g. fewer kills than planned). */
  finish(at: ChaosFinish): Promise<void>;
  /** Undoes whatever is still undone (a paused process or broker) and stops what it started. Idempotent. */
  cleanup(): Promise<void>;
}

/** Median and maximum of some durations, rounded to ms. */
export function spread(values: readonly number[]): { n: number; median?: number; max?: number } {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, median: Math.round(sorted[Math.floor(sorted.length / 2)]!), max: Math.round(sorted[sorted.length - 1]!) };
}

/** `--broker <name>` out of the arguments, checked against `allowed`; the rest for `numberArgs`. */
export function brokerArg<T extends string>(allowed: readonly T[], fallback: T, argv = process.argv.slice(2)): { broker: T; rest: string[] } {
  const i = argv.indexOf('--broker');
  if (i < 0) return { broker: fallback, rest: argv };
  const broker = argv[i + 1] as T;
  if (!allowed.includes(broker)) throw new Error(`--broker must be one of ${allowed.join(', ')}, not ${String(argv[i + 1])}`);
  return { broker, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}
