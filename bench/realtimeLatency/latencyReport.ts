import type { PathKind } from './pathServer.js';
import type { PathMeasurement } from './runPath.js';

/** The goal of issue 4: Orderly adds at most this much to the raw path's median latency. */
export const ADDED_P50_GOAL_MS = 1;

/** Everything one run measured, per path, in the order the measurements ran. */
export interface LatencyResults {
  readonly saturation: Record<PathKind, PathMeasurement[]>;
  /** The events per second both paths were offered, and where that figure came from. */
  readonly rate: number;
  readonly rateSource: 'measured' | 'BENCH_RATE';
  readonly latency: Record<PathKind, PathMeasurement[]>;
  readonly failures: string[];
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "median (min–max)", or the one value, or a dash when nothing was measured. */
function spread(values: readonly number[], format: (n: number) => string): string {
  const mid = median(values);
  if (mid === undefined) return '—';
  if (values.length === 1) return format(mid);
  return `${format(mid)} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

const whole = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => n.toFixed(2);
/** Events per second the path delivered: from its first frame to its last. */
export const deliveredRate = (m: PathMeasurement) => (m.received.received - 1) / m.received.seconds;
const producedRate = (m: PathMeasurement) => m.published.events / m.published.seconds;
/** Share of one core the server process used while paced: its CPU per event times the events offered per second. */
const coresBusy = (m: PathMeasurement) => (m.serverCpuPerThousand * m.ratePerSecond) / 1000;
const LABEL: Record<PathKind, string> = { orderly: 'Orderly (pipeline → hub → `/ws`)', raw: 'raw ioredis → bare `ws`' };

/** The slower path's median capacity, in events per second; undefined when a path has no saturation measurement. */
export function slowerCapacity(saturation: Record<PathKind, PathMeasurement[]>): number | undefined {
  const orderly = median(saturation.orderly.map(deliveredRate));
  const raw = median(saturation.raw.map(deliveredRate));
  return orderly === undefined || raw === undefined ? undefined : Math.min(orderly, raw);
}

/** Median over rounds of Orderly's p50 minus the raw path's, and of the same difference round by round. */
export function addedP50(results: LatencyResults): { readonly ofMedians?: number; readonly paired?: number } {
  const orderly = median(results.latency.orderly.map((m) => m.received.latency.p50));
  const raw = median(results.latency.raw.map((m) => m.received.latency.p50));
  const pairs = Math.min(results.latency.orderly.length, results.latency.raw.length);
  const paired = median(Array.from({ length: pairs }, (_, i) => results.latency.orderly[i]!.received.latency.p50 - results.latency.raw[i]!.received.latency.p50));
  return { ...(orderly !== undefined && raw !== undefined ? { ofMedians: orderly - raw } : {}), ...(paired !== undefined ? { paired } : {}) };
}

/** The results as Markdown: capacity, latency at the offered load, and the goal. */
export function latencyTables(results: LatencyResults): string {
  const kinds = ['orderly', 'raw'] as const;
  const lines: string[] = [];
  if (results.rateSource === 'measured') {
    lines.push(
      '| path | capacity (events/s) | producer during the burst (events/s) | server CPU-s per 1k events |',
      '| --- | ---: | ---: | ---: |',
      ...kinds.map((kind) => {
        const runs = results.saturation[kind];
        return `| ${LABEL[kind]} | ${spread(runs.map(deliveredRate), whole)} | ${spread(runs.map(producedRate), whole)} | ${spread(runs.map((m) => m.serverCpuPerThousand), (n) => n.toFixed(3))} |`;
      }),
      '',
    );
  }
  lines.push(
    `Offered load: **${whole(results.rate)} events/s** to both paths (${results.rateSource === 'measured' ? 'half the slower path\'s capacity' : 'BENCH_RATE'}).`,
    '',
    '| path | rounds | events per round | p50 (ms) | p99 (ms) | max (ms) | producer\'s worst lag (ms) | server CPU-s per 1k events | server cores busy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...kinds.map((kind) => {
      const runs = results.latency[kind];
      return (
        `| ${LABEL[kind]} | ${runs.length} | ${spread(runs.map((m) => m.received.received), whole)} | ${spread(runs.map((m) => m.received.latency.p50), ms)} | ` +
        `${spread(runs.map((m) => m.received.latency.p99), ms)} | ${spread(runs.map((m) => m.received.latency.max), ms)} | ${spread(runs.map((m) => m.published.maxLagMs), ms)} | ` +
        `${spread(runs.map((m) => m.serverCpuPerThousand), (n) => n.toFixed(3))} | ${spread(runs.map(coresBusy), (n) => n.toFixed(2))} |`
      );
    }),
  );
  const added = addedP50(results);
  const verdict = added.ofMedians === undefined ? 'not measured' : added.ofMedians <= ADDED_P50_GOAL_MS ? '**yes**' : '**no**';
  lines.push(
    '',
    `| added at p50: Orderly − raw (goal ≤ ${ADDED_P50_GOAL_MS} ms) | round by round (median) | met? |`,
    '| ---: | ---: | --- |',
    `| ${added.ofMedians === undefined ? '—' : `${ms(added.ofMedians)} ms`} | ${added.paired === undefined ? '—' : `${ms(added.paired)} ms`} | ${verdict} |`,
  );
  if (results.failures.length > 0) lines.push('', 'Failed measurements (left out of the medians):', '', ...results.failures.map((f) => `- ${f}`));
  return lines.join('\n');
}
