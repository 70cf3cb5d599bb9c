import { spreadOf } from './stats.js';
import type { ScenarioReport } from './summaryRow.js';
import { barChart, lineChart, type Point } from './svgChart.js';

export interface Chart {
  /** File name inside the charts folder. */
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

/** Median with the lowest and highest as whiskers; undefined when nothing was measured. */
function point(x: number, values: readonly number[]): Point | undefined {
  const s = spreadOf(values);
  return s === undefined ? undefined : { x, y: s.median, low: s.min, high: s.max };
}

/** The charts the reports have data for: throughput against distinct orders, latency percentiles. */
export function chartsOf(reports: readonly ScenarioReport[]): Chart[] {
  const charts: Chart[] = [];
  const throughput = reports.flatMap((r) => r.throughput ?? []);
  if (throughput.length > 0) {
    const title = 'Throughput against distinct orders (2 events each)';
    const series = (name: string, pick: (t: (typeof throughput)[number]) => readonly number[]) => ({
      name,
      points: throughput.flatMap((t) => point(t.orders, pick(t)) ?? []),
    });
    charts.push({
      file: 'throughput-vs-orders.svg',
      title,
      svg: lineChart({
        title,
        xLabel: 'distinct orders (log scale)',
        yLabel: 'events/s (median; whiskers: lowest to highest round)',
        xLog: true,
        series: [series('Orderly pipeline', (t) => t.orderly), series('bare XState', (t) => t.baseline)],
      }),
    });
  }
  const percentiles = reports.find((r) => r.percentiles && r.percentiles.orderly.length + r.percentiles.baseline.length > 0)?.percentiles;
  if (percentiles) {
    const title = 'Broker publish → WebSocket receipt latency at the same load';
    const keys = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99.9']] as const;
    const series = (name: string, runs: typeof percentiles.orderly) => ({ name, values: keys.map(([key], i) => point(i, runs.map((p) => p[key]))) });
    charts.push({
      file: 'latency-percentiles.svg',
      title,
      svg: barChart({
        title,
        yLabel: 'ms (log scale; median of the rounds)',
        yLog: true,
        categories: keys.map(([, label]) => label),
        series: [series('Orderly (pipeline → hub → /ws)', percentiles.orderly), series('raw ioredis → bare ws', percentiles.baseline)],
      }),
    });
  }
  return charts;
}
