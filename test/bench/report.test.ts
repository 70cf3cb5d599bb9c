import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartsOf } from '../../bench/report/charts.js';
import { GeneratedBlockMarkerError, GENERATED_END, GENERATED_START, replaceGeneratedBlock } from '../../bench/report/generatedBlock.js';
import { parseMetricsLines } from '../../bench/report/metricsLines.js';
import { BenchOptionsError, parseOptions } from '../../bench/report/options.js';
import { overloadReport, type OverloadRound } from '../../bench/report/overloadScenario.js';
import { planFor } from '../../bench/report/plan.js';
import { reportBlock } from '../../bench/report/reportBlock.js';
import { runChild } from '../../bench/report/runChild.js';
import { byRound } from '../../bench/report/runRecords.js';
import { paired, quantile, spreadOf } from '../../bench/report/stats.js';
import { verdict, type SummaryRow } from '../../bench/report/summaryRow.js';
import { formatRatio, summaryTable } from '../../bench/report/summaryTable.js';
import { barChart, escapeXml, lineChart, shortNumber, valueScale } from '../../bench/report/svgChart.js';

describe('bench report - stats', () => {
  it('gives median, extremes and quartiles, leaving failed (NaN) rounds out', () => {
    expect(spreadOf([5, 1, Number.NaN, 3, 2, 4])).toEqual({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    expect(spreadOf([2, 1])?.median).toBe(1.5);
    expect(spreadOf([Number.NaN])).toBeUndefined();
    expect(quantile([10, 20], 0.25)).toBe(12.5);
  });

  it('pairs Orderly and baseline round by round, skipping a round either side lost', () => {
    expect(paired([10, Number.NaN, 30, 40], [5, 5, 10], 'ratio')).toEqual([2, 3]);
    expect(paired([1.5, 2], [0.5, 1], 'difference')).toEqual([1, 1]);
    expect(paired([1], [0], 'ratio')).toEqual([]);
  });

  it('lines records up by round, NaN for a failed or missing round', () => {
    const records = [
      { size: 10, round: 1, kind: 'a', measurement: 1 },
      { size: 10, round: 1, kind: 'b', measurement: 2 },
      { size: 10, round: 2, kind: 'a', error: 'boom' },
      { size: 10, round: 2, kind: 'b', measurement: 4 },
      { size: 99, round: 3, kind: 'a', measurement: 9 },
    ];
    expect(byRound(records, 10, 'a', (m) => m * 10)).toEqual([10, Number.NaN]);
    expect(byRound(records, 10, 'b', (m) => m)).toEqual([2, 4]);
  });
});

const row = (over: Partial<SummaryRow> = {}): SummaryRow => ({
  scenario: 'pipeline vs bare XState, 1,000 orders',
  unit: 'events/s',
  orderly: [3000, 2000, 4000],
  baseline: [10000, 10000, 10000],
  comparison: 'ratio',
  cpuPerThousand: { orderly: [0.2, 0.3, 0.25], baseline: [0.01, 0.02, 0.015] },
  goal: { atLeast: 0.7, text: '≥ 0.7×' },
  ...over,
});

describe('bench report - summary table', () => {
  it('renders medians, the paired spread, CPU per 1k and the verdict', () => {
    const table = summaryTable([row()]).split('\n');
    expect(table[0]).toMatch(/^\| scenario \| Orderly \| baseline \|/);
    expect(table[2]).toBe('| pipeline vs bare XState, 1,000 orders | 3,000 events/s | 10,000 events/s | 0.30× [0.20× – 0.40×] (3 rounds) | 0.250 / 0.0150 | ≥ 0.7× | **no** |');
  });

  it('renders differences with a sign, absolute goals and rows nobody measured', () => {
    const [, , diff, absolute, empty] = summaryTable([
      row({ scenario: 'p50', unit: 'ms', orderly: [1.25, 1.5], baseline: [0.2, 0.2], comparison: 'difference', cpuPerThousand: undefined, goal: { atMost: 1, text: '≤ +1 ms' } }),
      row({ scenario: '1M capped', unit: 'MiB', orderly: [698.4], baseline: [], comparison: 'absolute', cpuPerThousand: undefined, goal: { atMost: 1024, text: '< 1 GiB' } }),
      row({ scenario: 'down', orderly: [], baseline: [], cpuPerThousand: { orderly: [], baseline: [Number.NaN] }, goal: undefined }),
    ]).split('\n');
    expect(diff).toBe('| p50 | 1.38 ms | 0.20 ms | +1.18 ms [+1.05 ms – +1.30 ms] (2 rounds) | — | ≤ +1 ms | **no** |');
    expect(absolute).toBe('| 1M capped | 698 MiB | — | — | — | < 1 GiB | **yes** |');
    expect(empty).toBe('| down | — | — | — | — | — | — |');
  });

  it('judges goals on either side and formats ratios by size', () => {
    expect(verdict(0.8, { atLeast: 0.7, text: '' })).toBe('yes');
    expect(verdict(1.6, { atMost: 1.5, text: '' })).toBe('no');
    expect(verdict(undefined, { atMost: 1.5, text: '' })).toBe('not measured');
    expect(verdict(3, undefined)).toBe('no goal');
    expect([0.0042, 0.28, 1.234, 18.4].map(formatRatio)).toEqual(['0.0042×', '0.28×', '1.23×', '18×']);
  });

  it('puts the machine, the rounds, the charts and the notes in the block; a quick run says it judges nothing', () => {
    const block = reportBlock({
      machine: { cpu: 'AMD EPYC', cores: 2, memoryGiB: 24, node: 'v20.20.2', os: 'Linux 6.1', commit: 'abc1234', startedAt: '2026-11-30T10:00:00.000Z', loadBefore: 0.5, loadAfter: 1.5 },
      options: { quick: true, rounds: 2, only: ['pipeline'], complete: false },
      reports: [{ name: 'pipeline', rows: [row()], notes: ['pipeline: something\nwent wrong'] }],
      charts: [{ link: 'charts/throughput-vs-orders.svg', title: 'Throughput' }],
      seconds: 125,
    });
    expect(block).toContain('A quick run');
    expect(block).toContain('AMD EPYC, 2 cores, 24 GiB RAM, Linux 6.1, Node v20.20.2; commit abc1234, 2026-11-30 10:00 UTC; one-minute load average 0.5 at the start and 1.5 at the end.');
    expect(block).toContain('The run took 2 min.');
    expect(block).toContain('2 rounds, alternating');
    expect(block).toContain('![Throughput](charts/throughput-vs-orders.svg)');
    expect(block).toContain('- pipeline: something went wrong');
    expect(block).not.toContain(GENERATED_START);
  });
});

describe('bench report - generated block', () => {
  const doc = `# Benchmarks\n\nIntro.\n\n## Pipeline\n\nhand-written\n`;

  it('goes under the first heading when there are no markers, leaving the rest as it was', () => {
    const once = replaceGeneratedBlock(doc, 'TABLE 1');
    expect(once).toBe(`# Benchmarks\n\n${GENERATED_START}\nTABLE 1\n${GENERATED_END}\n\nIntro.\n\n## Pipeline\n\nhand-written\n`);
  });

  it('replaces only what lies between the markers, however often it runs', () => {
    const twice = replaceGeneratedBlock(replaceGeneratedBlock(doc, 'TABLE 1'), 'TABLE 2\n');
    expect(twice).toBe(replaceGeneratedBlock(doc, 'TABLE 2'));
    expect(twice).not.toContain('TABLE 1');
    expect(twice.endsWith('## Pipeline\n\nhand-written\n')).toBe(true);
  });

  it('starts an empty file, and refuses half a pair or markers out of order', () => {
    expect(replaceGeneratedBlock('', 'X')).toBe(`${GENERATED_START}\nX\n${GENERATED_END}\n`);
    expect(() => replaceGeneratedBlock(`${doc}${GENERATED_START}\n`, 'X')).toThrow(GeneratedBlockMarkerError);
    expect(() => replaceGeneratedBlock(`${GENERATED_END}\n${GENERATED_START}\n`, 'X')).toThrow(GeneratedBlockMarkerError);
    expect(() => replaceGeneratedBlock(`${GENERATED_START}\n${GENERATED_START}\n${GENERATED_END}`, 'X')).toThrow(GeneratedBlockMarkerError);
  });
});

describe('bench report - svg charts', () => {
  const wellFormed = (svg: string) => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    const opened = (svg.match(/<text\b/g) ?? []).length;
    expect((svg.match(/<\/text>/g) ?? []).length).toBe(opened);
  };

  it('draws one line per series through its points, with whiskers and the x values as ticks', () => {
    const svg = lineChart({
      title: 'Throughput <1k & up>',
      xLabel: 'orders',
      yLabel: 'events/s',
      xLog: true,
      series: [
        { name: 'Orderly', points: [{ x: 1000, y: 3000, low: 2500, high: 3500 }, { x: 10000, y: 7000 }, { x: 100000, y: 8000 }] },
        { name: 'bare', points: [{ x: 1000, y: 10000 }, { x: 10000, y: 90000 }, { x: 100000, y: 100000 }] },
      ],
    });
    wellFormed(svg);
    expect(svg).toContain('Throughput &lt;1k &amp; up&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(6);
    for (const tick of ['>1k<', '>10k<', '>100k<']) expect(svg).toContain(tick);
    // On a log axis the decades are evenly spaced.
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].slice(0, 3).map((m) => Number(m[1]));
    expect(xs[1]! - xs[0]!).toBeCloseTo(xs[2]! - xs[1]!, 0);
  });

  it('draws grouped bars on a log axis, leaving a gap for a missing value', () => {
    const svg = barChart({
      title: 'Latency',
      yLabel: 'ms',
      yLog: true,
      categories: ['p50', 'p90', 'p99', 'p99.9'],
      series: [
        { name: 'Orderly', values: [{ x: 0, y: 1.25 }, { x: 1, y: 5 }, { x: 2, y: 44, low: 41, high: 47 }, { x: 3, y: 55 }] },
        { name: 'raw', values: [{ x: 0, y: 0.19 }, undefined, { x: 2, y: 2.9 }, { x: 3, y: 10 }] },
      ],
    });
    wellFormed(svg);
    expect(svg.match(/<rect x=/g)).toHaveLength(7 + 2); // bars, plus the two legend swatches
    for (const label of ['>p99.9<', '>0.19<', '>44<', '>Orderly<', '>raw<']) expect(svg).toContain(label);
  });

  it('makes nice linear ticks from zero and decade ticks on a log scale', () => {
    expect(valueScale([0, 87_000], 300, 0, false).ticks).toEqual([0, 20_000, 40_000, 60_000, 80_000, 100_000]);
    expect(valueScale([0.19, 44], 300, 0, true).ticks).toEqual([0.1, 1, 10, 100]);
    expect([1_386_000, 96_715, 2_972, 950, 4.5, 0.19].map(shortNumber)).toEqual(['1.4M', '97k', '3k', '950', '4.5', '0.19']);
    expect(escapeXml(`a<b & "c" 'd'`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;');
  });

  it('charts the reports that carry the data, and nothing else', () => {
    const charts = chartsOf([
      { name: 'pipeline', rows: [], notes: [], throughput: [{ orders: 1000, orderly: [1, 2, 3], baseline: [4, 5, 6] }] },
      { name: 'latency', rows: [], notes: [], percentiles: { orderly: [{ p50: 1, p90: 2, p99: 3, p999: 4 }], baseline: [{ p50: 0.1, p90: 0.2, p99: 0.3, p999: 0.4 }] } },
    ]);
    expect(charts.map((c) => c.file)).toEqual(['throughput-vs-orders.svg', 'latency-percentiles.svg']);
    for (const c of charts) wellFormed(c.svg);
    expect(chartsOf([{ name: 'hub', rows: [], notes: [] }])).toEqual([]);
  });
});

describe('bench report - options, plan and the metrics bench lines', () => {
  it('writes BENCHMARKS.md only for a complete full-size run', () => {
    const full = parseOptions([], '/repo');
    expect(full).toMatchObject({ quick: false, rounds: 5, complete: true, out: '/repo/BENCHMARKS.md', chartsDir: '/repo/bench/charts' });
    const quick = parseOptions(['--quick', '--only=hub,pipeline'], '/repo');
    expect(quick).toMatchObject({ quick: true, rounds: 2, only: ['pipeline', 'hub'], complete: false, out: '/repo/artifacts/bench/BENCHMARKS.md', chartsDir: '/repo/artifacts/bench/charts' });
    expect(parseOptions(['--only', 'hub', '--out', 'BENCHMARKS.md', '--rounds', '7', '--timeout', '5'], '/repo')).toMatchObject({ rounds: 7, out: '/repo/BENCHMARKS.md', chartsDir: '/repo/bench/charts', timeoutMinutes: 5 });
    for (const bad of [['--only', 'nope'], ['--rounds', '0'], ['--out'], ['--fast']]) expect(() => parseOptions(bad, '/repo')).toThrow(BenchOptionsError);
  });

  it('plans small sizes and short limits for a quick run, the chart sizes and five rounds for a full one', () => {
    const quick = planFor(parseOptions(['--quick'], '/repo'));
    expect(quick.pipeline.capped).toBeUndefined();
    expect(quick.env.brokers.BENCH_ROUNDS).toBe('2');
    expect(Math.max(...Object.values(quick.timeoutMs))).toBeLessThanOrEqual(10 * 60_000);
    const full = planFor(parseOptions([], '/repo'));
    expect(full.pipeline.orders).toEqual([1_000, 10_000, 100_000]);
    expect(full.env.hub).toEqual({ BENCH_CLIENTS: '1000,10000', BENCH_ROUNDS: '5' });
    expect(planFor(parseOptions(['--timeout', '3'], '/repo')).timeoutMs.brokers).toBe(3 * 60_000);
    expect(full.overload).toEqual({ seconds: 60, args: ['--seconds', '60', '--prefill', '80000'] });
    expect(quick.overload.seconds).toBeLessThan(60);
  });

  it('reads the metrics bench\'s progress lines, failures included', () => {
    const stderr = [
      'memory 20,000 orders, round 1/5, metrics+logging off: 12,345 msg/s, 0.081 CPU-s per 1k (40000 msgs in 3.24 s)',
      '  (12 scrapes during the run, 1.2 ms each on average; 0 Kafka lag series in the last)',
      'memory 20,000 orders, round 1/5, metrics+logging on: FAILED: the store has 3 orders',
      'kafka 20,000 orders, round 2/5, metrics+logging on: 9,000 msg/s, 0.110 CPU-s per 1k (40000 msgs in 4.44 s)',
    ].join('\n');
    expect(parseMetricsLines(stderr)).toEqual([
      { size: 'memory 20000', round: 1, kind: 'off', measurement: { messages: 40000, seconds: 3.24, cpuPerThousand: 0.081 } },
      { size: 'memory 20000', round: 1, kind: 'on', error: 'the store has 3 orders' },
      { size: 'kafka 20000', round: 2, kind: 'on', measurement: { messages: 40000, seconds: 4.44, cpuPerThousand: 0.11 } },
    ]);
  });
});

describe('bench report - overload rounds', () => {
  const side = (target: 'orderly' | 'raw', drainS: number | undefined, peakRssMiB: number, problems: string[] = [], factor = 1, machineSpeedRatio?: number) => ({
    run: `r-${target}`,
    target,
    rate: 3000,
    measuredRate: target === 'orderly' ? 3000 : 3300,
    cpuUsPerMessage: 400,
    restRssMiB: 200,
    peakRssMiB,
    maxLag: 120_000,
    overloadPublished: 360_000,
    overloadPublishRate: 6000,
    ...(drainS === undefined ? {} : { drainMs: drainS * 1000, recovery: { overloadRate: 2700, drainRate: 3000, publishRate: 1500, drainS, idealDrainS: drainS / factor, factor, ...(machineSpeedRatio === undefined ? {} : { machineSpeedRatio }) } }),
    verdictLine: problems.length === 0 ? 'PASS' : 'FAIL',
    problems,
  });
  const round = (orderly: ReturnType<typeof side>, raw: ReturnType<typeof side>, failures: string[] = []): OverloadRound => ({ bound: 384, orderly, raw, failures });

  it('pairs recoveries round by round, holds the median to no slower, and the worst peak to the bound', () => {
    const report = overloadReport(
      [
        round(side('orderly', 60, 240, [], 0.9), side('raw', 90, 110, [], 1.2, 0.8)),
        round(side('orderly', 80, 250, [], 1.6), side('raw', 40, 100, [], 0.8), ['Orderly recovered 2.00× as slowly as the raw client']),
        round(side('orderly', 50, 390, [], 0.7), side('raw', 100, 120, [], 1.4), ['peak above the bound']),
      ],
      60,
    );
    expect(report.failed).toBe(false);
    const [recovery, speedDuringS, speedRatio, drain, kept, , , peak] = report.rows;
    expect(recovery!.orderly).toEqual([0.9, 1.6, 0.7]);
    expect(recovery!.baseline).toEqual([1.2, 0.8, 1.4]);
    // The machine's speed is shown where the probe read it (round 1's raw client), and judges nothing.
    expect(speedRatio!.baseline).toEqual([0.8, Number.NaN, Number.NaN]);
    expect(speedRatio!.goal).toBeUndefined();
    expect(speedDuringS!.orderly).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(recovery!.goal).toMatchObject({ atMost: 1 });
    expect(recovery!.cpuPerThousand).toEqual({ orderly: [0.4, 0.4, 0.4], baseline: [0.4, 0.4, 0.4] });
    // The drain times are shown, not judged: they follow each consumer's S estimate.
    expect(drain!.orderly).toEqual([60, 80, 50]);
    expect(drain!.baseline).toEqual([90, 40, 100]);
    expect(drain!.goal).toBeUndefined();
    expect(kept!.orderly).toEqual([90, 90, 90]); // 2,700/s kept of S 3,000/s
    expect(peak).toMatchObject({ orderly: [390], baseline: [120], goal: { atMost: 384 } });
    const table = summaryTable(report.rows);
    expect(table).toContain('| 0.90× | 1.20× | 0.75× [0.50× – 2.00×] (3 rounds)'); // the medians of each side's factor, then of 0.9/1.2, 1.6/0.8, 0.7/1.4
    expect(table).toContain('0.67× [0.50× – 2.00×] (3 rounds)'); // the drain times: median of 60/90, 80/40, 50/100
    expect(table.split('\n').at(-1)).toContain('**no**'); // 390 MiB over 384, though the median round is under
    expect(report.notes).toEqual(['overload, round 2, a goal missed in that round: Orderly recovered 2.00× as slowly as the raw client', 'overload, round 3, a goal missed in that round: peak above the bound']);
  });

  it('fails on a broken guarantee or a round without a result, and leaves those rounds out of the figures', () => {
    const report = overloadReport([round(side('orderly', undefined, 240, ['oracle: FAIL 3 lost']), side('raw', 90, 110), ['orderly: oracle: FAIL 3 lost']), { childFailure: 'killed after its 25 min timeout' }], 10);
    expect(report.failed).toBe(true);
    expect(report.rows[0]!.orderly).toEqual([Number.NaN, Number.NaN]);
    expect(report.rows[0]!.baseline).toEqual([1, Number.NaN]);
    expect(report.rows[3]!.baseline).toEqual([90, Number.NaN]);
    expect(report.notes).toEqual(['overload, round 1: orderly: oracle: FAIL 3 lost', 'overload, round 2: no result: killed after its 25 min timeout']);
    expect(overloadReport([{ bound: 384, failures: ['the run failed: Redis down'] }], 60)).toMatchObject({ failed: true, notes: ['overload, round 1: the run failed: Redis down'] });
  });
});

describe('bench report - child processes', () => {
  it('stops a child that overruns its hard timeout, and the processes it started with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-child-'));
    const script = join(dir, 'stubborn.mjs');
    // Ignores SIGTERM, and starts a grandchild that would outlive it.
    await writeFile(
      script,
      "import { spawn } from 'node:child_process';\n" +
        "const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\n" +
        "process.on('SIGTERM', () => {});\n" +
        'console.log(JSON.stringify({ grandchild: g.pid }));\n' +
        'setInterval(() => {}, 1000);\n',
    );
    try {
      const run = await runChild(script, [], { env: process.env, timeoutMs: 500, graceMs: 300, echo: false });
      expect(run.timedOut).toBe(true);
      expect(run.signal).toBe('SIGKILL');
      const { grandchild } = JSON.parse(run.stdout) as { grandchild: number };
      await new Promise((r) => setTimeout(r, 100));
      expect(() => process.kill(grandchild, 0)).toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
