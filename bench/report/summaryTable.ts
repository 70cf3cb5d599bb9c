import { paired, spreadOf, type Spread } from './stats.js';
import { verdict, type SummaryRow } from './summaryRow.js';

const whole = (n: number) => Math.round(n).toLocaleString('en');

/** A figure in its unit: rates and bytes whole, milliseconds to two decimals, KiB and seconds to one, a factor (`×`) as a ratio. */
export function formatValue(n: number, unit: string): string {
  if (unit === '×') return formatRatio(n);
  if (unit === 'ms') return `${n.toFixed(2)} ms`;
  if (unit === 'KiB') return `${n.toFixed(1)} KiB`;
  if (unit === 's') return `${n.toFixed(1)} s`;
  return `${whole(n)} ${unit}`;
}

/** Two significant digits below 1 (a Kafka ratio can be 0.004×), two decimals up to 10, whole above. */
export function formatRatio(n: number): string {
  return `${n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(2)}×`;
}

const signed = (n: number, unit: string) => `${n >= 0 ? '+' : '−'}${formatValue(Math.abs(n), unit)}`;

/** "median [min–max] (n)" of a comparison, or a dash. */
function comparisonCell(row: SummaryRow, s: Spread | undefined): string {
  if (row.comparison === 'absolute' || s === undefined) return '—';
  const f = row.comparison === 'ratio' ? formatRatio : (n: number) => signed(n, row.unit);
  return s.n === 1 ? `${f(s.median)} (1 round)` : `${f(s.median)} [${f(s.min)} – ${f(s.max)}] (${s.n} rounds)`;
}

function figureCell(values: readonly number[], unit: string): string {
  const s = spreadOf(values);
  return s === undefined ? '—' : formatValue(s.median, unit);
}

function cpuCell(row: SummaryRow): string {
  if (!row.cpuPerThousand) return '—';
  const side = (values: readonly number[]) => {
    const s = spreadOf(values);
    return s === undefined ? '—' : s.median.toPrecision(3);
  };
  const [orderly, baseline] = [side(row.cpuPerThousand.orderly), side(row.cpuPerThousand.baseline)];
  return orderly === '—' && baseline === '—' ? '—' : `${orderly} / ${baseline}`;
}

/** The spread of what the goal is held to: the paired comparison, or Orderly's own figure. */
export function comparisonSpread(row: SummaryRow): Spread | undefined {
  return row.comparison === 'absolute' ? spreadOf(row.orderly) : spreadOf(paired(row.orderly, row.baseline, row.comparison));
}

const VERDICT = { yes: '**yes**', no: '**no**', 'not measured': 'not measured', 'no goal': '—' } as const;

/** The summary as one Markdown table, a row per figure. */
export function summaryTable(rows: readonly SummaryRow[]): string {
  const lines = [
    '| scenario | Orderly | baseline | Orderly vs baseline: median [min – max] of the rounds | CPU-s per 1k msgs: Orderly / baseline | goal | met? |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const s = comparisonSpread(row);
    lines.push(
      `| ${row.scenario} | ${figureCell(row.orderly, row.unit)} | ${figureCell(row.baseline, row.unit)} | ${comparisonCell(row, s)} | ${cpuCell(row)} | ${row.goal?.text ?? '—'} | ${VERDICT[verdict(s?.median, row.goal)]} |`,
    );
  }
  return lines.join('\n');
}
