import type { FanOutMeasurement } from '../hub/runFanOut.js';
import { runBenchChild } from './benchChild.js';
import type { RunRecord } from './jsonOutput.js';
import { byRound, failuresOf, sizesOf } from './runRecords.js';
import { whole, type ScenarioContext } from './scenarioContext.js';
import type { ScenarioReport, SummaryRow } from './summaryRow.js';

const rate = (m: FanOutMeasurement) => m.burst.deliveries / m.burst.seconds;
const cpu = (m: FanOutMeasurement) => m.burst.serverCpuSeconds / (m.burst.deliveries / 1000);

/** Issue 4's fan-out: hub.bench.js as it runs, bare and hub alternating each round. */
export async function hubScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const { data, failure } = await runBenchChild<{ records: RunRecord<FanOutMeasurement>[] }>(ctx, 'hub.bench.js', ctx.plan.env.hub, ctx.plan.timeoutMs.hub);
  const records = data?.records ?? [];
  const notes = failuresOf(records, (r) => `hub fan-out, ${whole(Number(r.size))} clients`);
  if (failure) notes.push(`hub fan-out: ${failure}`);
  const rows: SummaryRow[] = [];
  for (const size of sizesOf(records)) {
    const side = (kind: string, f: (m: FanOutMeasurement) => number) => byRound(records, size, kind, f);
    const label = `hub fan-out vs bare \`ws\` broadcast, ${whole(Number(size))} clients`;
    rows.push(
      {
        scenario: `${label}: deliveries/s`,
        unit: 'deliveries/s',
        orderly: side('hub', rate),
        baseline: side('bare', rate),
        comparison: 'ratio',
        cpuPerThousand: { orderly: side('hub', cpu), baseline: side('bare', cpu) },
        goal: { atLeast: 0.8, text: '≥ 0.8×' },
      },
      {
        scenario: `${label}: RSS per connection`,
        unit: 'KiB',
        orderly: side('hub', (m) => m.memoryPerConnection.rssBytes / 1024),
        baseline: side('bare', (m) => m.memoryPerConnection.rssBytes / 1024),
        comparison: 'ratio',
        goal: { atMost: 1.5, text: '≤ 1.5×' },
      },
      {
        scenario: `${label}: heap per connection`,
        unit: 'KiB',
        orderly: side('hub', (m) => m.memoryPerConnection.heapBytes / 1024),
        baseline: side('bare', (m) => m.memoryPerConnection.heapBytes / 1024),
        comparison: 'ratio',
        goal: { atMost: 1.5, text: '≤ 1.5×' },
      },
    );
  }
  return { name: 'hub', rows, notes, failed: failure !== undefined || records.some((r) => r.error !== undefined) };
}
