import { validateEventData } from '../../src/domain/orderEvents.js';

/** The two channels the benchmark publishes on: the Go original names a channel after its event type. */
export const BENCH_EVENT_TYPES = ['order.created', 'payment.completed'] as const;
export type BenchEventType = (typeof BENCH_EVENT_TYPES)[number];

/** One event as a Go producer sends it: plain JSON, no envelope, keyed by the order id. */
export interface GoEvent {
  readonly type: BenchEventType;
  readonly orderId: string;
  readonly body: Buffer;
}

export const orderIdOf = (i: number) => `o-${i}`;

/** `order.created` in the Go producers' v1 shape (no currency: Orderly upcasts it) and `payment.completed`. */
function dataOf(type: BenchEventType, i: number): Record<string, unknown> {
  const orderId = orderIdOf(i);
  return type === 'order.created'
    ? { orderId, userId: `u-${i % 1000}`, items: [{ productId: 'p-1', quantity: 2, priceCents: 500 }], totalCents: 1000, timestamp: '2026-01-01T00:00:00Z' }
    : { orderId, paymentId: `pay-${i}`, amountCents: 1000 };
}

/**
 * The events of `orders` orders in the order a Go producer sends them: each order's
 * `order.created`, then its `payment.completed`. Lazy, so 200k bodies never sit in memory at once.
 */
export function* goEvents(orders: number): Generator<GoEvent> {
  for (let i = 0; i < orders; i++) {
    for (const type of BENCH_EVENT_TYPES) yield { type, orderId: orderIdOf(i), body: Buffer.from(JSON.stringify(dataOf(type, i))) };
  }
}

/** Fails fast if the domain's schemas would reject what the benchmark publishes (a dead-lettered run measures nothing). */
export function assertGoEventsValid(): void {
  for (const type of BENCH_EVENT_TYPES) {
    const result = validateEventData(type, 1, dataOf(type, 0));
    if (!result.ok) throw new Error(`benchmark ${type} is not a valid v1 event: ${JSON.stringify(result)}`);
  }
}

/** Sends `events` in slices of `size`, each slice handed to `send` as a whole (what a batching producer does). */
export async function inSlices(events: Iterable<GoEvent>, size: number, send: (slice: GoEvent[]) => Promise<void>): Promise<void> {
  let slice: GoEvent[] = [];
  for (const event of events) {
    slice.push(event);
    if (slice.length === size) {
      await send(slice);
      slice = [];
    }
  }
  if (slice.length > 0) await send(slice);
}
