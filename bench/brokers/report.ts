import type { BenchBroker } from './brokerBench.js';
import type { Measurement } from './meter.js';
import type { TaskKind } from './runTask.js';

/** The goals of issue 3. */
export const GOALS = { ofRaw: 0.7, ofSequential: 10 } as const;

/** Every measurement of one broker at one size, by consumer kind, in the order they ran. */
export interface CellResults {
  readonly broker: BenchBroker;
  readonly orders: number;
  /** Orders the sequential consumer was measured on (fewer than `orders` when capped). */
  readonly sequentialOrders: number;
  readonly runs: Record<TaskKind, Measurement[]>;
  /** Why a measurement failed, if any did. */
  readonly failures: string[];
}

const rate = (m: Measurement) => m.messages / m.seconds;
const cpuPerThousand = (m: Measurement) => m.cpuSeconds / (m.messages / 1000);

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const whole = (n: number) => Math.round(n).toLocaleString('en');

/** "median (min–max)", or the one value, or a dash when nothing was measured. */
function spread(values: readonly number[], format: (n: number) => string): string {
  const mid = median(values);
  if (mid === undefined) return '—';
  if (values.length === 1) return format(mid);
  return `${format(mid)} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

export interface CellSummary {
  readonly raw?: number;
  readonly orderly?: number;
  readonly sequential?: number;
  readonly ofRaw?: number;
  readonly ofSequential?: number;
}

export function summarize(cell: CellResults): CellSummary {
  const raw = median(cell.runs.raw.map(rate));
  const orderly = median(cell.runs.orderly.map(rate));
  const sequential = median(cell.runs.sequential.map(rate));
  return {
    raw,
    orderly,
    sequential,
    ofRaw: raw && orderly !== undefined ? orderly / raw : undefined,
    ofSequential: sequential && orderly !== undefined ? orderly / sequential : undefined,
  };
}

/** Two significant digits below 1 (a Kafka ratio can be 0.004×), whole above 10. */
const ratio = (n: number | undefined) => (n === undefined ? '—' : `${n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(2)}×`);
const met = (value: number | undefined, goal: number) => (value === undefined ? 'not measured' : value >= goal ? '**yes**' : '**no**');

/** The results as Markdown: throughput and CPU per broker and size, then the goals. */
export function resultTables(cells: readonly CellResults[]): string {
  const lines = [
    '| broker | orders | events | raw client, no-op (msg/s) | Orderly (msg/s) | Orderly ÷ raw | sequential 1 ms (msg/s) | Orderly ÷ sequential | CPU-s per 1k msgs: raw / Orderly / sequential |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const cell of cells) {
    const summary = summarize(cell);
    const cpu = (['raw', 'orderly', 'sequential'] as const).map((kind) => spread(cell.runs[kind].map(cpuPerThousand), (n) => n.toFixed(3)));
    const capped = cell.sequentialOrders < cell.orders ? ` ¹` : '';
    lines.push(
      `| ${cell.broker} | ${whole(cell.orders)} | ${whole(cell.orders * 2)} | ${spread(cell.runs.raw.map(rate), whole)} | ${spread(cell.runs.orderly.map(rate), whole)} | ${ratio(summary.ofRaw)} | ${spread(cell.runs.sequential.map(rate), whole)}${capped} | ${ratio(summary.ofSequential)} | ${cpu.join(' / ')} |`,
    );
  }
  lines.push(
    '',
    `| broker | orders | Orderly ÷ raw (goal ≥ ${GOALS.ofRaw}×) | met? | Orderly ÷ sequential 1 ms (goal ≥ ${GOALS.ofSequential}×) | met? |`,
    '| --- | ---: | ---: | --- | ---: | --- |',
  );
  for (const cell of cells) {
    const summary = summarize(cell);
    lines.push(
      `| ${cell.broker} | ${whole(cell.orders)} | ${ratio(summary.ofRaw)} | ${met(summary.ofRaw, GOALS.ofRaw)} | ${ratio(summary.ofSequential)} | ${met(summary.ofSequential, GOALS.ofSequential)} |`,
    );
  }
  const failures = cells.flatMap((cell) => cell.failures.map((f) => `- ${cell.broker}, ${whole(cell.orders)} orders: ${f}`));
  if (failures.length > 0) lines.push('', 'Failed measurements (left out of the medians):', '', ...failures);
  return lines.join('\n');
}
