import { BENCH_EVENT_TYPES, orderIdOf, type BenchEventType } from '../brokers/goEvents.js';

/**
 * Where the publish stamp travels: in the message id (`id` field of the stream entry, as the Go
 * producers write it). Orderly keeps the id as the CloudEvent's `id`, which every frame carries,
 * while it drops unknown fields of the data (its schemas strip them); the raw forwarder passes
 * the id on as it is. So both paths deliver the stamp without either being changed for it.
 */
export const STAMP_MARK = '@sent:';

/** The `k`th event of a run starting at order `firstOrder`: each order's `order.created`, then its `payment.completed`. */
export function eventAt(firstOrder: number, k: number): { readonly type: BenchEventType; readonly order: number } {
  return { type: BENCH_EVENT_TYPES[k % 2]!, order: firstOrder + Math.floor(k / 2) };
}

/** The Go producers' plain JSON (v1 `order.created` without currency, as bench/brokers publishes). */
export function goBody(type: BenchEventType, order: number): string {
  const orderId = orderIdOf(order);
  return JSON.stringify(
    type === 'order.created'
      ? { orderId, userId: `u-${order % 1000}`, items: [{ productId: 'p-1', quantity: 2, priceCents: 500 }], totalCents: 1000, timestamp: '2026-01-01T00:00:00Z' }
      : { orderId, paymentId: `pay-${order}`, amountCents: 1000 },
  );
}

/** A message id unique to the run and the event, ending in its publish time (µs on the monotonic clock). */
export const stampedId = (runId: string, type: BenchEventType, order: number, sentAtUs: number): string =>
  `${runId}-${order}-${type}${STAMP_MARK}${sentAtUs.toFixed(1)}`;

const MARK = Buffer.from(STAMP_MARK);

/** The publish stamp in a received frame, without parsing the frame; NaN when it has none (`subscribed`, `pong`). */
export function stampIn(frame: Buffer): number {
  const at = frame.indexOf(MARK);
  if (at < 0) return Number.NaN;
  let value = 0;
  let i = at + MARK.length;
  for (; i < frame.length; i++) {
    const digit = frame[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  if (frame[i] === 46) {
    let scale = 0.1;
    for (i += 1; i < frame.length; i++, scale /= 10) {
      const digit = frame[i]! - 48;
      if (digit < 0 || digit > 9) break;
      value += digit * scale;
    }
  }
  return value;
}
