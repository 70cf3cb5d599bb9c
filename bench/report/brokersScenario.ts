import type { Measurement } from '../brokers/meter.js';
import { runBenchChild } from './benchChild.js';
import type { RunRecord } from './jsonOutput.js';
import { byRound, failuresOf } from './runRecords.js';
import { whole, type ScenarioContext } from './scenarioContext.js';
import type { ScenarioReport, SummaryRow } from './summaryRow.js';

type BrokerRecord = RunRecord<Measurement> & { readonly broker: string };

const rate = (m: Measurement) => m.messages / m.seconds;
const cpu = (m: Measurement) => m.cpuSeconds / (m.messages / 1000);

/** Issue 3's scenario: brokers.bench.js as it runs, raw, Orderly and sequential alternating each round. */
export async function brokersScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const { data, failure } = await runBenchChild<{ sequentialOrders: number; records: BrokerRecord[] }>(ctx, 'brokers.bench.js', ctx.plan.env.brokers, ctx.plan.timeoutMs.brokers);
  const records = data?.records ?? [];
  const notes = failuresOf(records, (r) => `per broker, ${(r as BrokerRecord).broker} ${whole(Number(r.size))} orders`);
  if (failure) notes.push(`per broker: ${failure}`);
  const rows: SummaryRow[] = [];
  const cells = [...new Map(records.map((r) => [`${r.broker} ${r.size}`, r])).values()];
  for (const { broker, size } of cells) {
    const mine = records.filter((r) => r.broker === broker);
    const side = (kind: string, f: (m: Measurement) => number) => byRound(mine, size, kind, f);
    const orders = Number(size);
    const sequentialNote = data && data.sequentialOrders < orders ? ` (sequential on ${whole(data.sequentialOrders)} orders)` : '';
    rows.push(
      {
        scenario: `per broker, ${broker}, ${whole(orders)} orders: Orderly vs raw client (no-op)`,
        unit: 'msg/s',
        orderly: side('orderly', rate),
        baseline: side('raw', rate),
        comparison: 'ratio',
        cpuPerThousand: { orderly: side('orderly', cpu), baseline: side('raw', cpu) },
        goal: { atLeast: 0.7, text: '≥ 0.7×' },
      },
      {
        scenario: `per broker, ${broker}, ${whole(orders)} orders: Orderly vs sequential 1 ms consumer${sequentialNote}`,
        unit: 'msg/s',
        orderly: side('orderly', rate),
        baseline: side('sequential', rate),
        comparison: 'ratio',
        cpuPerThousand: { orderly: side('orderly', cpu), baseline: side('sequential', cpu) },
        goal: { atLeast: 10, text: '≥ 10×' },
      },
    );
  }
  return { name: 'brokers', rows, notes, failed: failure !== undefined || records.some((r) => r.error !== undefined) };
}
