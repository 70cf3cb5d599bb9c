import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetricsLines, type MetricsMeasurement } from './metricsLines.js';
import { failureOf, runChild } from './runChild.js';
import { byRound, failuresOf, sizesOf } from './runRecords.js';
import { childEnv, type ScenarioContext } from './scenarioContext.js';
import type { ScenarioReport, SummaryRow } from './summaryRow.js';

const rate = (m: MetricsMeasurement) => m.messages / m.seconds;

/**
 * Issue 6's metrics overhead: bench/metrics.bench.ts as it runs (it alternates and swaps the
 * order each round by itself), read from its progress lines. Skipped, with a note, in a build
 * that has no such bench.
 */
export async function metricsScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const script = join(ctx.benchDir, 'metrics.bench.js');
  if (!existsSync(script)) return { name: 'metrics', rows: [], notes: ['metrics overhead: skipped, this build has no dist/bench/metrics.bench.js.'] };
  const timeoutMs = ctx.plan.timeoutMs.metrics;
  process.stderr.write(`metrics.bench.js: ${Object.entries(ctx.plan.env.metrics).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  const run = await runChild(script, [], { env: childEnv(ctx.plan.env.metrics), timeoutMs, nodeFlags: ['--expose-gc'] });
  const records = parseMetricsLines(run.stderr);
  const notes = failuresOf(records, (r) => `metrics overhead, ${r.size} orders`);
  if (run.code !== 0 || run.timedOut) notes.push(`metrics overhead: ${failureOf(run, timeoutMs)}`);
  if (records.length === 0) notes.push('metrics overhead: no measurement found in the bench\'s output (has its progress line changed?).');
  const rows: SummaryRow[] = sizesOf(records).map((size) => {
    const [broker, orders] = String(size).split(' ');
    return {
      scenario: `metrics + logging on vs off, ${broker}, ${Number(orders).toLocaleString('en')} orders`,
      unit: 'msg/s',
      orderly: byRound(records, size, 'on', rate),
      baseline: byRound(records, size, 'off', rate),
      comparison: 'ratio',
      cpuPerThousand: { orderly: byRound(records, size, 'on', (m) => m.cpuPerThousand), baseline: byRound(records, size, 'off', (m) => m.cpuPerThousand) },
      goal: { atLeast: 0.9, text: '≥ 0.9×' },
    };
  });
  return { name: 'metrics', rows, notes, failed: run.code !== 0 || run.timedOut || records.length === 0 };
}
