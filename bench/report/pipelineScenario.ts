import { join } from 'node:path';
import { pipelineTimeoutMs } from './plan.js';
import { failureOf, lastJsonLine, runChild } from './runChild.js';
import { childEnv, whole, type ScenarioContext } from './scenarioContext.js';
import type { ScenarioReport, SummaryRow } from './summaryRow.js';

/** What `pipeline.bench.js --task` prints. */
interface TaskResult {
  readonly value: number;
  readonly peakRss: number;
  readonly cpuSeconds?: number;
}

const MIB = 2 ** 20;

/**
 * Issue 1's scenario, driven here because pipeline.bench.ts does not alternate: every
 * measurement is a fresh `--task` process, Orderly and bare XState back to back in each round,
 * which of them goes first swapping every round.
 */
export async function pipelineScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const script = join(ctx.benchDir, 'pipeline.bench.js');
  const notes: string[] = [];
  let failed = false;
  const task = async (kind: string, orders: number, flags: readonly string[] = []): Promise<TaskResult | undefined> => {
    const timeoutMs = pipelineTimeoutMs(ctx.plan, orders);
    process.stderr.write(`pipeline: ${kind}, ${whole(orders)} orders${flags.length ? ` (${flags.join(' ')})` : ''}\n`);
    const run = await runChild(script, ['--task', kind, String(orders)], { env: childEnv({}), timeoutMs, nodeFlags: ['--expose-gc', ...flags], echo: false });
    const result = run.code === 0 ? lastJsonLine<TaskResult>(run.stdout) : undefined;
    if (result === undefined) {
      failed = true;
      notes.push(`pipeline ${kind}, ${whole(orders)} orders: ${failureOf(run, timeoutMs)}`);
    } else process.stderr.write(`pipeline: ${kind}, ${whole(orders)} orders: ${Math.round(result.value).toLocaleString('en')} (${run.seconds.toFixed(1)} s)\n`);
    return result;
  };
  /** Both sides, `rounds` times, alternating which goes first. */
  const alternate = async (orderlyKind: string, bareKind: string, orders: number) => {
    const sides = { orderly: [] as (TaskResult | undefined)[], bare: [] as (TaskResult | undefined)[] };
    for (let round = 1; round <= ctx.options.rounds; round++) {
      const order = round % 2 === 1 ? (['bare', 'orderly'] as const) : (['orderly', 'bare'] as const);
      for (const side of order) sides[side].push(await task(side === 'orderly' ? orderlyKind : bareKind, orders));
    }
    return sides;
  };
  const values = (runs: readonly (TaskResult | undefined)[], f: (r: TaskResult) => number) => runs.map((r) => (r === undefined ? Number.NaN : f(r)));

  const rows: SummaryRow[] = [];
  const throughput: { orders: number; orderly: number[]; baseline: number[] }[] = [];
  for (const orders of ctx.plan.pipeline.orders) {
    const { orderly, bare } = await alternate('orderly', 'bare', orders);
    const cpu = (r: TaskResult) => (r.cpuSeconds ?? Number.NaN) / ((orders * 2) / 1000);
    const point = { orders, orderly: values(orderly, (r) => r.value), baseline: values(bare, (r) => r.value) };
    throughput.push(point);
    rows.push({
      scenario: `pipeline vs bare XState, ${whole(orders)} orders`,
      unit: 'events/s',
      orderly: point.orderly,
      baseline: point.baseline,
      comparison: 'ratio',
      cpuPerThousand: { orderly: values(orderly, cpu), baseline: values(bare, cpu) },
      goal: { atLeast: 0.7, text: '≥ 0.7×' },
    });
  }
  const heap = await alternate('orderly-heap', 'bare-heap', 10_000);
  rows.push({
    scenario: 'pipeline vs bare XState: heap per live order actor (10,000 live)',
    unit: 'B',
    orderly: values(heap.orderly, (r) => r.value),
    baseline: values(heap.bare, (r) => r.value),
    comparison: 'ratio',
    goal: { atMost: 1.5, text: '≤ 1.5×' },
  });
  const capped = ctx.plan.pipeline.capped;
  if (capped) {
    const r = await task('orderly', capped.orders, [`--max-old-space-size=${capped.heapMiB}`]);
    rows.push({
      scenario: `pipeline, ${whole(capped.orders)} orders, heap capped at ${capped.heapMiB} MiB: peak resident memory (1 run)`,
      unit: 'MiB',
      orderly: r ? [r.peakRss / MIB] : [],
      baseline: [],
      comparison: 'absolute',
      ...(r?.cpuSeconds !== undefined ? { cpuPerThousand: { orderly: [r.cpuSeconds / ((capped.orders * 2) / 1000)], baseline: [] } } : {}),
      goal: { atMost: 1024, text: '< 1 GiB' },
    });
    if (r) notes.push(`pipeline, ${whole(capped.orders)} orders with the heap capped: ${Math.round(r.value).toLocaleString('en')} events/s.`);
  } else {
    notes.push('pipeline: the 1,000,000-order run under a 700 MiB heap cap (the resident-memory goal) is left out of a quick run.');
  }
  return { name: 'pipeline', rows, notes, failed, throughput };
}
