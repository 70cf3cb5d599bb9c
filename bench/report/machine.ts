import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

/** The machine and the code a run measured. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  readonly commit: string;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** One-minute load average at the start and at the end: other work may share the cores. */
  readonly loadBefore: number;
  readonly loadAfter?: number;
}

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** What this process can see of the machine now. */
export function currentMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
    commit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    startedAt: new Date().toISOString(),
    loadBefore: loadavg()[0] ?? 0,
  };
}

export const currentLoad = (): number => loadavg()[0] ?? 0;

/** One sentence for BENCHMARKS.md. */
export function machineLine(m: Machine): string {
  const load = m.loadAfter === undefined ? `${m.loadBefore.toFixed(1)}` : `${m.loadBefore.toFixed(1)} at the start and ${m.loadAfter.toFixed(1)} at the end`;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; commit ${m.commit}, ${m.startedAt.slice(0, 16).replace('T', ' ')} UTC; one-minute load average ${load}.`;
}
