import type { HubMessage } from '../../src/actors/hub/hubMessage.js';
import { orderChangeMessage } from '../../src/actors/hub/orderChangeMessage.js';
import { eventFrame } from '../../src/actors/hub/serverFrames.js';
import { userTopic } from '../../src/actors/hub/topic.js';

/** The one user every client is (hub) or stands for (bare): all subscribe to this user's topic. */
export const BENCH_USER = 'bench-user';
export const BENCH_TOPIC = userTopic(BENCH_USER);

/**
 * Microseconds on the system's monotonic clock (`process.hrtime` is CLOCK_MONOTONIC on Linux),
 * the same in every process of the machine: the server stamps a frame with it and the client
 * subtracts the stamp from its own reading.
 */
export function monotonicMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + nanos / 1e3;
}

/** Where the stamp sits in a frame; the client finds it without parsing the whole frame. */
export const STAMP_KEY = '"sentAtUs":';

/**
 * The `n`th order change as Orderly's publisher builds it (`orderChangeMessage`: the order's view
 * after `payment.completed` plus that CloudEvent, on `order:`, `user:` and `admin:all`), with the
 * moment it was published added to `event` for the latency measurement.
 */
export function fanOutMessage(n: number, sentAtUs: number): HubMessage {
  const orderId = `bench-order-${n}`;
  const message = orderChangeMessage({
    from: 'pending',
    to: 'paid',
    envelope: {
      id: `payment-${n}`,
      type: 'payment.completed',
      version: 1,
      key: orderId,
      correlationId: `corr-${n}`,
      source: 'bench/hub',
      occurredAt: '2025-01-01T00:00:00.000Z',
      headers: {},
      data: { orderId, paymentId: `pay-${n}`, amountCents: 4_990 },
    },
    view: {
      orderId,
      userId: BENCH_USER,
      items: [
        { productId: 'SKU-1', quantity: 2, priceCents: 1_995 },
        { productId: 'SKU-2', quantity: 1, priceCents: 1_000 },
      ],
      totalCents: 4_990,
      currency: 'EUR',
      createdAt: '2025-01-01T00:00:00.000Z',
      payment: { paymentId: `pay-${n}`, amountCents: 4_990 },
    },
  });
  return { ...message, event: { ...(message.event as object), sentAtUs } };
}

/** The frame the hub writes for `message` on `topic`, byte for byte: what the bare server sends. */
export const bareFrame = (message: HubMessage, topic: string, seq: number): string => eventFrame(topic, seq, JSON.stringify(message.event));

/** Reads the stamp out of a received frame; NaN when the frame has none (e.g. `subscribed`). */
export function stampOf(frame: Buffer): number {
  const at = frame.lastIndexOf(STAMP_KEY);
  if (at < 0) return Number.NaN;
  let value = 0;
  let i = at + STAMP_KEY.length;
  for (; i < frame.length; i++) {
    const digit = frame[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  // hrtime's fraction of a microsecond: at most three decimals
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
