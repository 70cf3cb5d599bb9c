import type { RunRecord } from './jsonOutput.js';

/** What bench/metrics.bench.ts prints per measurement, as bench/brokers/meter.ts measures it. */
export interface MetricsMeasurement {
  readonly messages: number;
  readonly seconds: number;
  /** CPU-seconds per 1,000 messages, to the three decimals the bench prints. */
  readonly cpuPerThousand: number;
}

const LINE = /^(\S+) ([\d,]+) orders, round (\d+)\/\d+, metrics\+logging (on|off): (?:([\d,]+) msg\/s, ([\d.]+) CPU-s per 1k \((\d+) msgs in ([\d.]+) s\)|FAILED: (.*))$/;

/**
 * The measurements in the metrics bench's progress lines (stderr), one record per line: that
 * bench has no JSON output and is not ours to change, and its lines carry all we need.
 * `size` is `<broker> <orders>`; `kind` is `on` or `off`.
 */
export function parseMetricsLines(stderr: string): RunRecord<MetricsMeasurement>[] {
  const records: RunRecord<MetricsMeasurement>[] = [];
  for (const line of stderr.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, broker, orders, round, mode, , cpu, messages, seconds, error] = m;
    const base = { size: `${broker} ${orders!.replaceAll(',', '')}`, round: Number(round), kind: mode! };
    records.push(error !== undefined ? { ...base, error } : { ...base, measurement: { messages: Number(messages), seconds: Number(seconds), cpuPerThousand: Number(cpu) } });
  }
  return records;
}
