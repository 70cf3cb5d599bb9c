import { dirname, isAbsolute, join, resolve } from 'node:path';

export const SCENARIOS = ['pipeline', 'brokers', 'hub', 'latency', 'metrics', 'overload'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What one `npm run bench` does; from its command line. */
export interface RunOptions {
  /** `--quick`: small sizes and 2 rounds, to try the suite out; the figures judge nothing. */
  readonly quick: boolean;
  /** `--only a,b`: these scenarios, in the suite's order. @default all */
  readonly only: readonly Scenario[];
  /** `--rounds n`: alternating rounds per comparison. @default 5, or 2 with --quick */
  readonly rounds: number;
  /** `--out file`: the Markdown file whose generated block is replaced. @default BENCHMARKS.md for a full run, artifacts/bench/BENCHMARKS.md otherwise */
  readonly out: string;
  /** `--charts dir`: where the SVG charts go. @default bench/charts for BENCHMARKS.md, else `charts` beside `out` */
  readonly chartsDir: string;
  /** `--timeout minutes`: hard limit per child process, instead of each scenario's own. */
  readonly timeoutMinutes: number | undefined;
  /** The run covers every scenario at full size: only such a run writes BENCHMARKS.md by default. */
  readonly complete: boolean;
}

export class BenchOptionsError extends Error {
  override readonly name = 'BenchOptionsError';
}

export const USAGE = `usage: node --expose-gc dist/bench/all.bench.js [--quick] [--only ${SCENARIOS.join(',')}] [--rounds n] [--out file] [--charts dir] [--timeout minutes]`;

/** Parses `argv` (without node and the script); relative paths are taken from `root`, the checkout. */
export function parseOptions(argv: readonly string[], root: string): RunOptions {
  const values = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') {
      quick = true;
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (!['--only', '--rounds', '--out', '--charts', '--timeout'].includes(name)) throw new BenchOptionsError(`unknown option ${arg}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new BenchOptionsError(`${name} needs a value\n${USAGE}`);
    values.set(name, value);
  }
  const only = values.has('--only') ? values.get('--only')!.split(',').map((s) => s.trim()) : [...SCENARIOS];
  for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new BenchOptionsError(`--only: unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
  const whole = (name: string, fallback: number) => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new BenchOptionsError(`${name} must be a positive whole number, got ${text}`);
    return n;
  };
  const rounds = whole('--rounds', quick ? 2 : 5);
  const complete = !quick && SCENARIOS.every((s) => only.includes(s));
  const fromRoot = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const out = fromRoot(values.get('--out') ?? (complete ? 'BENCHMARKS.md' : join('artifacts', 'bench', 'BENCHMARKS.md')));
  const chartsDir = fromRoot(values.get('--charts') ?? (out === resolve(root, 'BENCHMARKS.md') ? join('bench', 'charts') : join(dirname(out), 'charts')));
  const timeout = values.has('--timeout') ? whole('--timeout', 1) : undefined;
  return { quick, only: SCENARIOS.filter((s) => only.includes(s)), rounds, out, chartsDir, timeoutMinutes: timeout, complete };
}
