import { join } from 'node:path';
import { failureOf, runChild, type ChildRun } from './runChild.js';
import { childEnv, readJson, type ScenarioContext } from './scenarioContext.js';

/**
 * Runs one of the benches that alternate by themselves (brokers, hub, latency) as a whole, in
 * one child with its own BENCH_* settings and `--json`, and returns what it wrote; `failure`
 * says why there is nothing, or why the child did not end well.
 */
export async function runBenchChild<T>(ctx: ScenarioContext, file: string, settings: Readonly<Record<string, string>>, timeoutMs: number): Promise<{ data?: T; run: ChildRun; failure?: string }> {
  const json = join(ctx.workDir, `${file}.json`);
  process.stderr.write(`${file}: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')} node ${file}\n`);
  const run = await runChild(join(ctx.benchDir, file), [`--json=${json}`], { env: childEnv(settings), timeoutMs, nodeFlags: ['--expose-gc'] });
  const data = await readJson<T>(json);
  const failure = run.code === 0 && !run.timedOut ? undefined : failureOf(run, timeoutMs);
  return { ...(data !== undefined ? { data } : {}), run, ...(failure !== undefined ? { failure } : {}) };
}
