/**
 * Every benchmark scenario against its baseline, in one run, and the summary at the top of
 * BENCHMARKS.md with its charts (issue 7).
 *
 *   npm run bench                      # everything, 5 alternating rounds (about 80 minutes on a quiet machine)
 *   npm run bench -- --quick           # small sizes, 2 rounds, into artifacts/bench/ (a few minutes)
 *   npm run bench -- --only hub,latency
 *   npm run bench -- --rounds 7 --timeout 120 --out BENCHMARKS.md --charts bench/charts
 *
 * Scenarios: `pipeline` (issue 1; driven from here, one `--task` process per measurement),
 * `brokers`, `hub` and `latency` (each its own bench run whole in one child, which alternates by
 * itself and hands back every measurement with `--json`), and `metrics` (issue 6; read from its
 * progress lines, skipped if that bench is not built), and `overload` (issue 7; `npm run overload`
 * once per round, each round Orderly then the raw pausing client). Every child has a hard timeout, past which
 * its whole process group is stopped. Only a complete, full-size run writes BENCHMARKS.md unless
 * `--out` says otherwise; the markers `<!-- bench:generated:start … -->` … `<!-- bench:generated:end -->`
 * bound what is replaced, and the hand-written sections below stay as they are.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokersScenario } from './report/brokersScenario.js';
import { chartsOf } from './report/charts.js';
import { replaceGeneratedBlock } from './report/generatedBlock.js';
import { hubScenario } from './report/hubScenario.js';
import { latencyScenario } from './report/latencyScenario.js';
import { currentLoad, currentMachine } from './report/machine.js';
import { metricsScenario } from './report/metricsScenario.js';
import { BenchOptionsError, parseOptions, type RunOptions, type Scenario } from './report/options.js';
import { overloadScenario } from './report/overloadScenario.js';
import { pipelineScenario } from './report/pipelineScenario.js';
import { planFor } from './report/plan.js';
import { reportBlock } from './report/reportBlock.js';
import { stopRunningChild } from './report/runChild.js';
import type { ScenarioContext } from './report/scenarioContext.js';
import type { ScenarioReport } from './report/summaryRow.js';
import { summaryTable } from './report/summaryTable.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..', '..'); // dist/bench → the checkout

const RUNNERS: Record<Scenario, (ctx: ScenarioContext) => Promise<ScenarioReport>> = {
  pipeline: pipelineScenario,
  brokers: brokersScenario,
  hub: hubScenario,
  latency: latencyScenario,
  metrics: metricsScenario,
  overload: overloadScenario,
};

function readOptions(): RunOptions {
  try {
    return parseOptions(process.argv.slice(2), root);
  } catch (error) {
    if (!(error instanceof BenchOptionsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
const options = readOptions();

const interrupted = async () => {
  await stopRunningChild();
  process.exit(130);
};
process.once('SIGINT', () => void interrupted());
process.once('SIGTERM', () => void interrupted());

const started = performance.now();
const machine = currentMachine();
const workDir = await mkdtemp(join(tmpdir(), 'orderly-bench-'));
const ctx: ScenarioContext = { benchDir, options, plan: planFor(options), workDir };
process.stderr.write(`bench: ${options.only.join(', ')}; ${options.rounds} rounds${options.quick ? ', quick' : ''}; writing ${relative(root, options.out)}\n`);

const reports: ScenarioReport[] = [];
for (const scenario of options.only) {
  const begun = performance.now();
  try {
    reports.push(await RUNNERS[scenario](ctx));
  } catch (error) {
    reports.push({ name: scenario, rows: [], failed: true, notes: [`${scenario}: the orchestrator failed: ${error instanceof Error ? error.message : String(error)}`] });
  }
  process.stderr.write(`bench: ${scenario} done in ${Math.round((performance.now() - begun) / 1000)} s\n`);
}
await rm(workDir, { recursive: true, force: true });

const charts = chartsOf(reports);
await mkdir(options.chartsDir, { recursive: true });
for (const chart of charts) await writeFile(join(options.chartsDir, chart.file), chart.svg);
const block = reportBlock({
  machine: { ...machine, loadAfter: currentLoad() },
  options,
  reports,
  charts: charts.map((c) => ({ title: c.title, link: relative(dirname(options.out), join(options.chartsDir, c.file)).split('\\').join('/') })),
  seconds: (performance.now() - started) / 1000,
});
const existing = await readFile(options.out, 'utf8').catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'ENOENT') return '# Benchmarks\n';
  throw error;
});
await mkdir(dirname(options.out), { recursive: true });
await writeFile(options.out, replaceGeneratedBlock(existing, block));

process.stdout.write(`${summaryTable(reports.flatMap((r) => r.rows))}\n`);
const notes = reports.flatMap((r) => r.notes);
if (notes.length > 0) process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
process.stderr.write(`bench: wrote ${relative(root, options.out)} and ${charts.length} chart(s) in ${relative(root, options.chartsDir)}\n`);
// Failing scenarios (not missed goals) make the run fail, so that a broken bench is noticed.
process.exit(reports.some((r) => r.failed) ? 1 : 0);
