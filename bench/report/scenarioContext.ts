import { readFile } from 'node:fs/promises';
import type { RunOptions } from './options.js';
import type { Plan } from './plan.js';

/** What every scenario runner gets from the orchestrator. */
export interface ScenarioContext {
  /** The folder of the built benches (dist/bench). */
  readonly benchDir: string;
  readonly options: RunOptions;
  readonly plan: Plan;
  /** A fresh folder for the benches' JSON output. */
  readonly workDir: string;
}

/**
 * This process's environment without any BENCH_* variable, plus `settings`: the scenario benches
 * read the same names with different meanings (BENCH_ORDERS, BENCH_ROUNDS), so none may leak
 * from one to another or in from the shell.
 */
export function childEnv(settings: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('BENCH_')) env[name] = value;
  return { ...env, ...settings };
}

/** A bench's JSON output, or undefined when it wrote none (it failed before the end). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const whole = (n: number): string => n.toLocaleString('en');
