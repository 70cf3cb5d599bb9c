import type { FanOutKind } from './fanOutServer.js';
import type { FanOutMeasurement } from './runFanOut.js';

/** The goals of issue 4 for the fan-out, against the bare `ws` broadcast. */
export const FAN_OUT_GOALS = { rateOfBare: 0.8, memoryOfBare: 1.5 } as const;

/** Every measurement at one size, by server, in the order they ran. */
export interface SizeResults {
  readonly clients: number;
  readonly runs: Record<FanOutKind, FanOutMeasurement[]>;
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

export const deliveriesPerSecond = (m: FanOutMeasurement) => m.burst.deliveries / m.burst.seconds;
const rssPerConnection = (m: FanOutMeasurement) => m.memoryPerConnection.rssBytes;
const heapPerConnection = (m: FanOutMeasurement) => m.memoryPerConnection.heapBytes;

const whole = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ratio = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(2)}×`);

/** Hub ÷ bare of the medians of `measure`. */
function hubOverBare(size: SizeResults, measure: (m: FanOutMeasurement) => number): number | undefined {
  const bare = median(size.runs.bare.map(measure));
  const hub = median(size.runs.hub.map(measure));
  return bare && hub !== undefined ? hub / bare : undefined;
}

const serverCpuPerDelivery = (m: FanOutMeasurement) => m.burst.serverCpuSeconds / m.burst.deliveries;

export interface GoalVerdicts {
  readonly rate?: number;
  /** Not a goal: the server's CPU per delivery, which the client process cannot hide when it sets the pace. */
  readonly cpu?: number;
  readonly rss?: number;
  readonly heap?: number;
}

export function goalRatios(size: SizeResults): GoalVerdicts {
  return { rate: hubOverBare(size, deliveriesPerSecond), cpu: hubOverBare(size, serverCpuPerDelivery), rss: hubOverBare(size, rssPerConnection), heap: hubOverBare(size, heapPerConnection) };
}

const met = (value: number | undefined, ok: (v: number) => boolean) => (value === undefined ? 'not measured' : ok(value) ? '**yes**' : '**no**');

/** The results as Markdown: one row per size and server, then the goals. */
export function fanOutTables(sizes: readonly SizeResults[], pacedRate: number): string {
  const lines = [
    `| clients | server | deliveries/s | burst latency p50 / p99 (ms) | latency at ${whole(pacedRate)} deliveries/s, p50 / p99 (ms) | server CPU-s per 1k deliveries | client process CPU (cores) | RSS per connection | heap per connection |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const size of sizes) {
    for (const kind of ['bare', 'hub'] as const) {
      const runs = size.runs[kind];
      if (runs.length === 0) continue;
      lines.push(
        [
          '',
          whole(size.clients),
          kind === 'bare' ? 'bare `ws` broadcast' : 'Orderly hub',
          spread(runs.map(deliveriesPerSecond), whole),
          `${spread(runs.map((m) => m.burst.latency.p50), ms)} / ${spread(runs.map((m) => m.burst.latency.p99), ms)}`,
          `${spread(runs.map((m) => m.paced.latency.p50), ms)} / ${spread(runs.map((m) => m.paced.latency.p99), ms)}`,
          spread(runs.map((m) => m.burst.serverCpuSeconds / (m.burst.deliveries / 1000)), (n) => n.toFixed(4)),
          spread(runs.map((m) => m.burst.clientCpuSeconds / m.burst.seconds), (n) => n.toFixed(2)),
          spread(runs.map(rssPerConnection), kib),
          spread(runs.map(heapPerConnection), kib),
          '',
        ].join(' | ').trim(),
      );
    }
  }
  lines.push(
    '',
    `| clients | hub ÷ bare deliveries/s (goal ≥ ${FAN_OUT_GOALS.rateOfBare}×) | met? | hub ÷ bare server CPU per delivery (no goal) | hub ÷ bare RSS per connection (goal ≤ ${FAN_OUT_GOALS.memoryOfBare}×) | met? | hub ÷ bare heap per connection (goal ≤ ${FAN_OUT_GOALS.memoryOfBare}×) | met? |`,
    '| ---: | ---: | --- | ---: | ---: | --- | ---: | --- |',
  );
  for (const size of sizes) {
    const r = goalRatios(size);
    lines.push(
      `| ${whole(size.clients)} | ${ratio(r.rate)} | ${met(r.rate, (v) => v >= FAN_OUT_GOALS.rateOfBare)} | ${ratio(r.cpu)} | ${ratio(r.rss)} | ${met(r.rss, (v) => v <= FAN_OUT_GOALS.memoryOfBare)} | ${ratio(r.heap)} | ${met(r.heap, (v) => v <= FAN_OUT_GOALS.memoryOfBare)} |`,
    );
  }
  const failures = sizes.flatMap((size) => size.failures.map((f) => `- ${whole(size.clients)} clients, ${f}`));
  if (failures.length > 0) lines.push('', 'Failed measurements (left out of the medians):', '', ...failures);
  return lines.join('\n');
}
