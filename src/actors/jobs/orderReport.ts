import type { OrderRecord } from '../orderRecord.js';
import type { OrderStatus } from '../orderView.js';

/** The statuses a report counts: every status an order with a view can have. */
export const REPORT_STATUSES = ['pending', 'paid', 'payment_failed', 'shipped', 'cancelled'] as const satisfies readonly OrderStatus[];

/** Statuses whose total is revenue: paid and not taken back (a cancelled paid order is a refund due). */
const EARNING: ReadonlySet<OrderStatus> = new Set(['paid', 'shipped']);

export interface ReportRange {
  /** Inclusive lower bound on the order's `createdAt`, RFC 3339; unset: from the first order. */
  readonly from?: string;
  /** Exclusive upper bound on the order's `createdAt`, RFC 3339; unset: up to now. */
  readonly to?: string;
}

export interface OrderReport {
  readonly from: string | null;
  readonly to: string | null;
  /** Orders created within the range. */
  readonly orders: number;
  readonly countsByStatus: Readonly<Record<(typeof REPORT_STATUSES)[number], number>>;
  /** Per currency: the summed `totalCents` of paid and shipped orders, and how many there are. */
  readonly revenueByCurrency: Readonly<Record<string, { readonly revenueCents: number; readonly orders: number }>>;
}

/**
 * Folds orders into a report, one at a time (a scan of a million orders keeps one report in
 * memory, not the orders). Orders without a view (`new`: only a stashed payment so far) and
 * orders created outside `[from, to)` are skipped; instants are compared, not strings, so
 * offsets other than `Z` count right.
 */
export function createOrderReport(range: ReportRange): { add(record: OrderRecord): void; result(): OrderReport } {
  const fromMs = range.from === undefined ? -Infinity : Date.parse(range.from);
  const toMs = range.to === undefined ? Infinity : Date.parse(range.to);
  const counts = Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as Record<(typeof REPORT_STATUSES)[number], number>;
  const revenue = new Map<string, { revenueCents: number; orders: number }>();
  let orders = 0;
  return {
    add(record) {
      const view = record.view;
      if (!view || record.status === 'new') return;
      const at = Date.parse(view.createdAt);
      if (!(at >= fromMs && at < toMs)) return;
      orders++;
      counts[record.status]++;
      if (!EARNING.has(record.status)) return;
      const entry = revenue.get(view.currency) ?? { revenueCents: 0, orders: 0 };
      entry.revenueCents += view.totalCents;
      entry.orders++;
      revenue.set(view.currency, entry);
    },
    result: () => ({
      from: range.from ?? null,
      to: range.to ?? null,
      orders,
      countsByStatus: { ...counts },
      revenueByCurrency: Object.fromEntries([...revenue].sort(([a], [b]) => a.localeCompare(b)).map(([c, e]) => [c, { ...e }])),
    }),
  };
}
