import type { PathMeasurement } from '../realtimeLatency/runPath.js';
import { runBenchChild } from './benchChild.js';
import type { RunRecord } from './jsonOutput.js';
import { byRound, failuresOf } from './runRecords.js';
import { whole, type ScenarioContext } from './scenarioContext.js';
import type { Percentiles, ScenarioReport, SummaryRow } from './summaryRow.js';

const delivered = (m: PathMeasurement) => (m.received.received - 1) / m.received.seconds;
const cpu = (m: PathMeasurement) => m.serverCpuPerThousand;

/** Issue 4's end-to-end latency: realtimeLatency.bench.js as it runs, Orderly and raw alternating each round. */
export async function latencyScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const { data, failure } = await runBenchChild<{ rate: number | null; records: RunRecord<PathMeasurement>[] }>(ctx, 'realtimeLatency.bench.js', ctx.plan.env.latency, ctx.plan.timeoutMs.latency);
  const records = data?.records ?? [];
  const notes = failuresOf(records, (r) => `end-to-end latency, ${r.size}`);
  if (failure) notes.push(`end-to-end latency: ${failure}`);
  const side = (size: string, kind: string, f: (m: PathMeasurement) => number) => byRound(records, size, kind, f);
  const at = data?.rate ? ` at ${whole(data.rate)} events/s` : '';
  const path = 'publish → WebSocket, Orderly vs ioredis → bare `ws`';
  const rows: SummaryRow[] = [
    {
      scenario: `${path}: capacity (burst)`,
      unit: 'events/s',
      orderly: side('capacity', 'orderly', delivered),
      baseline: side('capacity', 'raw', delivered),
      comparison: 'ratio',
      cpuPerThousand: { orderly: side('capacity', 'orderly', cpu), baseline: side('capacity', 'raw', cpu) },
    },
    {
      scenario: `${path}${at}: p50`,
      unit: 'ms',
      orderly: side('latency', 'orderly', (m) => m.received.latency.p50),
      baseline: side('latency', 'raw', (m) => m.received.latency.p50),
      comparison: 'difference',
      cpuPerThousand: { orderly: side('latency', 'orderly', cpu), baseline: side('latency', 'raw', cpu) },
      goal: { atMost: 1, text: '≤ +1 ms' },
    },
    {
      scenario: `${path}${at}: p99`,
      unit: 'ms',
      orderly: side('latency', 'orderly', (m) => m.received.latency.p99),
      baseline: side('latency', 'raw', (m) => m.received.latency.p99),
      comparison: 'difference',
    },
  ];
  const percentiles = (kind: string): Percentiles[] =>
    records.flatMap((r) => (r.size === 'latency' && r.kind === kind && r.measurement ? [r.measurement.received.latency] : []))
      .map((l) => ({ p50: l.p50, p90: l.p90 ?? Number.NaN, p99: l.p99, p999: l.p999 ?? Number.NaN }));
  return { name: 'latency', rows, notes, failed: failure !== undefined || records.some((r) => r.error !== undefined), percentiles: { orderly: percentiles('orderly'), baseline: percentiles('raw') } };
}
