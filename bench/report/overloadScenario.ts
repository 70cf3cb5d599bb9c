import { join } from 'node:path';
import type { OverloadJson, OverloadResult } from '../../test/scale/overloadRun.js';
import { failureOf, runChild } from './runChild.js';
import { childEnv, readJson, type ScenarioContext } from './scenarioContext.js';
import type { ScenarioReport, SummaryRow } from './summaryRow.js';

/**
 * Issue 7's overload: `npm run overload` once per round, each a fresh process that runs Orderly
 * and then the raw pausing client, each on a load made from its own S (measured with the
 * producer beside it), so the rounds alternate Orderly, raw, Orderly, raw. A slow recovery or a peak over the bound is a missed
 * goal (the recovery judged on the median ratio, the memory on the worst round); a run the oracle (or the raw client's effects check) fails, or one
 * that ends without a result, fails the scenario.
 */
export async function overloadScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const script = join(ctx.benchDir, '..', 'test', 'scale', 'overload.js');
  const { args, seconds } = ctx.plan.overload;
  const timeoutMs = ctx.plan.timeoutMs.overload;
  const rounds: OverloadRound[] = [];
  for (let round = 1; round <= ctx.options.rounds; round++) {
    const json = join(ctx.workDir, `overload-${round}.json`);
    process.stderr.write(`overload, round ${round} of ${ctx.options.rounds}: node overload.js ${args.join(' ')}\n`);
    const run = await runChild(script, [...args, `--json=${json}`], { env: childEnv({}), timeoutMs });
    const data = await readJson<OverloadJson>(json);
    rounds.push(data ?? { childFailure: failureOf(run, timeoutMs) });
  }
  return overloadReport(rounds, seconds);
}

/** One round: what `overload.js --json` wrote, or why it wrote nothing. */
export type OverloadRound = OverloadJson | { readonly childFailure: string };

/** The largest finite value, NaN when no round measured one. */
function worst(values: readonly number[]): number {
  const measured = values.filter(Number.isFinite);
  return measured.length === 0 ? Number.NaN : Math.max(...measured);
}

/** The rows and notes of the overload rounds; pure. */
export function overloadReport(rounds: readonly OverloadRound[], seconds: number): ScenarioReport {
  const notes: string[] = [];
  let failed = false;
  rounds.forEach((round, i) => {
    if ('childFailure' in round) {
      failed = true;
      notes.push(`overload, round ${i + 1}: no result: ${round.childFailure}`);
      return;
    }
    // The child exits 1 for a missed goal too; only a run that broke a guarantee, or lost a side, fails the bench.
    const broken = round.orderly === undefined || round.raw === undefined || round.orderly.problems.length + round.raw.problems.length > 0;
    if (broken) failed = true;
    if (broken || round.failures.length > 0) notes.push(`overload, round ${i + 1}${broken ? '' : ', a goal missed in that round'}: ${round.failures.join('; ') || 'no result from one side'}`);
  });
  const side = (target: 'orderly' | 'raw', value: (r: OverloadResult) => number | undefined) =>
    rounds.map((round) => {
      const result = 'childFailure' in round ? undefined : round[target];
      return result === undefined ? Number.NaN : (value(result) ?? Number.NaN);
    });
  const drainS = (r: OverloadResult) => (r.drainMs === undefined ? undefined : r.drainMs / 1000);
  const cpuPerThousand = (r: OverloadResult) => (r.cpuUsPerMessage === undefined ? undefined : r.cpuUsPerMessage / 1000);
  const bound = rounds.flatMap((r) => ('bound' in r ? [r.bound] : []))[0];
  const what = `overload on Redis Streams, 2×S for ${seconds} s then 0.5×S, vs a raw pause/resume client`;
  const rows: SummaryRow[] = [
    {
      // The goal: each drain against an ideal consumer of the capacity it showed, which a wrong S does not move (`recoveryOf`).
      scenario: `${what}: recovery, drain time ÷ that of an ideal consumer of the capacity it showed, facing the same messages`,
      unit: '×',
      orderly: side('orderly', (r) => r.recovery?.factor),
      baseline: side('raw', (r) => r.recovery?.factor),
      comparison: 'ratio',
      cpuPerThousand: { orderly: side('orderly', cpuPerThousand), baseline: side('raw', cpuPerThousand) },
      goal: { atMost: 1, text: '≤ 1× (recovery no slower)' },
    },
    {
      scenario: `${what}: the machine's speed while S was measured (work units per CPU-ms, \`watchMachineSpeed\`)`,
      unit: 'units/ms',
      orderly: side('orderly', (r) => r.speedDuringS),
      baseline: side('raw', (r) => r.speedDuringS),
      comparison: 'ratio',
    },
    {
      scenario: `${what}: the machine's speed while draining ÷ during the overload's second half`,
      unit: '×',
      orderly: side('orderly', (r) => r.recovery?.machineSpeedRatio),
      baseline: side('raw', (r) => r.recovery?.machineSpeedRatio),
      comparison: 'ratio',
    },
    {
      scenario: `${what}: drain time after the overload (each load made from that consumer's S)`,
      unit: 's',
      orderly: side('orderly', drainS),
      baseline: side('raw', drainS),
      comparison: 'ratio',
    },
    {
      scenario: `${what}: taken off the stream during the overload's second half, share of S`,
      unit: '% of S',
      orderly: side('orderly', (r) => (r.recovery === undefined ? undefined : (100 * r.recovery.overloadRate) / r.rate)),
      baseline: side('raw', (r) => (r.recovery === undefined ? undefined : (100 * r.recovery.overloadRate) / r.rate)),
      comparison: 'ratio',
    },
    {
      scenario: `${what}: sustainable rate S (a backlog waiting, the producer beside the consumer)`,
      unit: 'events/s',
      orderly: side('orderly', (r) => r.measuredRate),
      baseline: side('raw', (r) => r.measuredRate),
      comparison: 'ratio',
    },
    {
      scenario: `${what}: most lag, kept by the broker`,
      unit: 'messages',
      orderly: side('orderly', (r) => r.maxLag),
      baseline: side('raw', (r) => r.maxLag),
      comparison: 'ratio',
    },
    {
      // Judged on the worst round: the bound is a promise about every run, not a typical one.
      scenario: `${what}: peak resident set, worst round`,
      unit: 'MiB',
      orderly: [worst(side('orderly', (r) => r.peakRssMiB))],
      baseline: [worst(side('raw', (r) => r.peakRssMiB))],
      comparison: 'absolute',
      ...(bound === undefined ? {} : { goal: { atMost: bound, text: `≤ ${bound} MiB, stated before the run` } }),
    },
  ];
  return { name: 'overload', rows, notes, failed };
}
