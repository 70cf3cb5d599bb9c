import { machineLine, type Machine } from './machine.js';
import { SCENARIOS, type RunOptions } from './options.js';
import type { ScenarioReport } from './summaryRow.js';
import { summaryTable } from './summaryTable.js';

export interface ReportInput {
  readonly machine: Machine;
  readonly options: Pick<RunOptions, 'quick' | 'rounds' | 'only' | 'complete'>;
  readonly reports: readonly ScenarioReport[];
  /** Chart links relative to the Markdown file, with their titles. */
  readonly charts: readonly { readonly link: string; readonly title: string }[];
  readonly seconds: number;
}

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

/** The generated block of BENCHMARKS.md, without its markers; pure. */
export function reportBlock(input: ReportInput): string {
  const { options } = input;
  const notes = input.reports.flatMap((r) => r.notes);
  const lines = [
    '## Summary: every scenario against its baseline (generated)',
    '',
    '    npm run bench                      # every scenario, 5 alternating rounds; rewrites this block and bench/charts/',
    '    npm run bench -- --quick           # small sizes, 2 rounds, written to artifacts/bench/ (to try it out)',
    `    npm run bench -- --only hub        # one scenario (${SCENARIOS.join(', ')}), to artifacts/bench/`,
    '',
  ];
  if (options.quick) lines.push('**A quick run: the sizes are far too small to judge any goal. Not for the record.**', '');
  else if (!options.complete) lines.push(`**A partial run: ${options.only.join(', ')} only.**`, '');
  lines.push(
    `Measured on ${machineLine(input.machine)} The run took ${duration(input.seconds)}.`,
    '',
    `- Every measurement runs in a fresh process. Orderly and its baseline are measured back to back, ${options.rounds} rounds, alternating.`,
    '- **Orderly** and **baseline** give the median over the rounds.',
    '- **Orderly vs baseline** compares round by round: Orderly\'s k-th measurement against the baseline\'s k-th. It gives the median of those ratios (or differences, in ms), with the lowest and highest in brackets. The goal is judged on that median.',
    '- **CPU-s per 1k msgs** is the user + system CPU of the process doing the work, per 1,000 messages (events or deliveries), median over the rounds.',
    '  - That process is the consumer, or the server for the hub and latency scenarios. The brokers\' own CPU is not included.',
    '  - The pipeline scenario runs its producer in the same process, so its CPU is included there.',
    '- The sections below describe each scenario. Their tables come from each scenario\'s own command, and may be from an earlier run than this summary.',
    '',
    summaryTable(input.reports.flatMap((r) => r.rows)),
    '',
  );
  for (const chart of input.charts) lines.push(`![${chart.title}](${chart.link})`, '');
  if (notes.length > 0) lines.push('Notes on this run:', '', ...notes.map((n) => `- ${n.replace(/\s+/g, ' ')}`), '');
  return lines.join('\n').trimEnd();
}
