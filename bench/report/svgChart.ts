/**
 * Small hand-written SVG charts for BENCHMARKS.md: a line chart with whiskers and a grouped bar
 * chart, each on a linear or a logarithmic axis. Pure: a spec in, the SVG text out.
 */

/** One plotted value; `low` and `high` draw a whisker (the spread over rounds). */
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly low?: number;
  readonly high?: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly Point[];
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Place x on a log scale (sizes by decade). @default false */
  readonly xLog?: boolean;
  /** @default false */
  readonly yLog?: boolean;
  readonly series: readonly LineSeries[];
}

export interface BarSeries {
  readonly name: string;
  /** One value per category; undefined leaves a gap. */
  readonly values: readonly (Point | undefined)[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  /** @default false */
  readonly yLog?: boolean;
  readonly series: readonly BarSeries[];
}

const W = 640;
const H = 380;
const M = { left: 78, right: 24, top: 44, bottom: 78 };
const COLORS = ['#1f6fb4', '#e8710a', '#2ca02c', '#9467bd'];

export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);

/** 1.2M, 35k, 950, 4.5, 0.19: short enough for a tick. */
export function shortNumber(n: number): string {
  const a = Math.abs(n);
  const trim = (s: string) => s.replace(/\.0+$|(\.\d*?)0+$/, '$1');
  if (a >= 1e6) return `${trim((n / 1e6).toFixed(1))}M`;
  if (a >= 1e4) return `${trim((n / 1e3).toFixed(0))}k`;
  if (a >= 1e3) return `${trim((n / 1e3).toFixed(1))}k`;
  if (a >= 100 || a === 0) return n.toFixed(0);
  return trim(n.toPrecision(2));
}

interface Scale {
  readonly at: (v: number) => number;
  readonly ticks: readonly number[];
  readonly floor: number;
}

/** Values mapped onto [from, to] pixels, ticks included: 0-based and "nice" when linear, decades when log. */
export function valueScale(values: readonly number[], from: number, to: number, log: boolean): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (log) {
    const lo = Math.floor(Math.log10(Math.min(...finite, 1)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...finite, 10 ** (lo + 1)))));
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    return { at: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from), ticks, floor: 10 ** lo };
  }
  const max = Math.max(...finite, 0) || 1;
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= rough)!;
  const top = Math.ceil(max / step) * step;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return { at: (v) => from + (v / top) * (to - from), ticks, floor: 0 };
}

const text = (x: number, y: number, content: string, attrs = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) => `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;

function frame(title: string, yLabel: string, y: Scale, body: string[], legend: readonly string[]): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    text(W / 2, 24, title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    text(16, (M.top + H - M.bottom) / 2, yLabel, `text-anchor="middle" transform="rotate(-90 16 ${((M.top + H - M.bottom) / 2).toFixed(1)})"`),
  ];
  for (const t of y.ticks) {
    const py = y.at(t);
    out.push(line(M.left, py, W - M.right, py, 'stroke="#e3e3e3"'), text(M.left - 6, py + 4, shortNumber(t), 'text-anchor="end" fill="#444"'));
  }
  out.push(line(M.left, M.top, M.left, H - M.bottom, 'stroke="#333"'), line(M.left, H - M.bottom, W - M.right, H - M.bottom, 'stroke="#333"'));
  out.push(...body);
  let x = M.left;
  legend.forEach((name, i) => {
    out.push(`<rect x="${x}" y="${H - 22}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`, text(x + 18, H - 12, name));
    x += 18 + name.length * 7 + 28; // about 7 px per character at 12 px sans-serif
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function whisker(x: number, p: Point, y: Scale, color: string): string[] {
  if (p.low === undefined || p.high === undefined) return [];
  const [a, b] = [y.at(p.low), y.at(p.high)];
  return [line(x, a, x, b, `stroke="${color}"`), line(x - 4, a, x + 4, a, `stroke="${color}"`), line(x - 4, b, x + 4, b, `stroke="${color}"`)];
}

/** Lines through each series' points, with whiskers; x ticks at the x values the data has. */
export function lineChart(spec: LineChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const pad = 30;
  const span = W - M.left - M.right - 2 * pad;
  const position = (v: number) => (spec.xLog ? Math.log10(v) : v);
  const [first, last] = [position(xs[0] ?? 1), position(xs[xs.length - 1] ?? 1)];
  const xAt = (v: number) => M.left + pad + (last === first ? 0.5 : (position(v) - first) / (last - first)) * span;
  const y = valueScale(points.flatMap((p) => [p.y, p.high ?? p.y, p.low ?? p.y]), H - M.bottom, M.top, spec.yLog ?? false);
  const body: string[] = [];
  for (const v of xs) body.push(line(xAt(v), H - M.bottom, xAt(v), H - M.bottom + 5, 'stroke="#333"'), text(xAt(v), H - M.bottom + 18, shortNumber(v), 'text-anchor="middle" fill="#444"'));
  body.push(text((M.left + W - M.right) / 2, H - M.bottom + 38, spec.xLabel, 'text-anchor="middle"'));
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    if (sorted.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${xAt(p.x).toFixed(1)},${y.at(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of sorted) {
      body.push(...whisker(xAt(p.x), p, y, color), `<circle cx="${xAt(p.x).toFixed(1)}" cy="${y.at(p.y).toFixed(1)}" r="4" fill="${color}"/>`);
      body.push(text(xAt(p.x) + 7, y.at(p.y) - 7, shortNumber(p.y), `fill="${color}" font-size="11"`));
    }
  });
  return frame(spec.title, spec.yLabel, y, body, spec.series.map((s) => s.name));
}

/** Bars grouped by category, one colour per series, the value above each bar. */
export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.flatMap((p) => (p ? [p.y, p.high ?? p.y, p.low ?? p.y] : [])));
  const y = valueScale(values, H - M.bottom, M.top, spec.yLog ?? false);
  const groupWidth = (W - M.left - M.right) / Math.max(1, spec.categories.length);
  const barWidth = Math.min(48, (groupWidth * 0.7) / Math.max(1, spec.series.length));
  const body: string[] = [];
  spec.categories.forEach((category, c) => {
    const center = M.left + groupWidth * (c + 0.5);
    body.push(text(center, H - M.bottom + 18, category, 'text-anchor="middle" fill="#444"'));
    spec.series.forEach((s, i) => {
      const p = s.values[c];
      if (p === undefined || !Number.isFinite(p.y)) return;
      const color = COLORS[i % COLORS.length]!;
      const left = center - (barWidth * spec.series.length) / 2 + i * barWidth;
      const top = y.at(p.y);
      body.push(`<rect x="${(left + 1).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${Math.max(0, H - M.bottom - top).toFixed(1)}" fill="${color}"/>`);
      body.push(...whisker(left + barWidth / 2, p, y, '#333'), text(left + barWidth / 2, Math.min(top, p.high === undefined ? top : y.at(p.high)) - 5, shortNumber(p.y), 'text-anchor="middle" font-size="11"'));
    });
  });
  return frame(spec.title, spec.yLabel, y, body, spec.series.map((s) => s.name));
}
