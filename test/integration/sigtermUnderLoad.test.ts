import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/auth.js';
import { goProducers, type Producer } from '../support/goProducers.js';
import { keysOf, storedOrders } from '../support/redisOrders.js';
import { runEnv } from '../support/runEnv.js';
import { spawnOrderly, type SpawnedOrderly } from '../support/spawnOrderly.js';

/**
 * Graceful shutdown under load on every durable broker: SIGTERM while deliveries are in flight
 * exits 0 within the drain deadline; what was applied is applied once, what was not is still at
 * the broker, and a second process finishes every order exactly once.
 */
const ORDERS = 600;
const DRAIN_MS = 5_000;
/** Closing consumers and connections after the drain (a Kafka group leave takes a moment). */
const CLOSE_MARGIN_MS = 5_000;
const redis = new Redis('redis://127.0.0.1:6379');
const processes: SpawnedOrderly[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const orderly of processes) await orderly.stop(1_000);
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await redis.quit();
}, 60_000);

/** Orders whose history names one event twice: an event applied more than once. */
function appliedTwice(orders: Map<string, { history: readonly { eventId: string }[] }>): string[] {
  return [...orders].filter(([, order]) => new Set(order.history.map((h) => h.eventId)).size !== order.history.length).map(([id]) => id);
}

describe.each(['kafka', 'rabbitmq', 'nats', 'redis', 'redis-list'] as const)('SIGTERM under load - %s source, redis store', (broker) => {
  it(`exits 0 within the deadline mid-run, and a restart finishes all ${ORDERS} orders exactly once`, async () => {
    const run = `orderly-term-${broker}-${process.pid}-${Date.now().toString(36)}`;
    const { prefix, keyPrefix, env: base } = runEnv(run, broker);
    const env = { ...base, ORDERLY_CREDIT: '64', ORDERLY_DRAIN_TIMEOUT_MS: String(DRAIN_MS) };
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `${run}-${i}`);
    const first = await spawnOrderly(env);
    processes.push(first);
    const producer: Producer = await goProducers[broker](prefix, env, run);
    cleanups.push(async () => {
      await producer.close();
      const keys = await keysOf(redis, `${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    });
    for (let i = 0; i < ORDERS; i += 50) {
      await Promise.all(
        orderIds.slice(i, i + 50).map(async (orderId) => {
          const created = { orderId, userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, timestamp: '2026-01-01T00:00:00Z' };
          await producer.publish('order.created', created, `${orderId}:created`, orderId);
          await producer.publish('payment.completed', { orderId, paymentId: `pay-${orderId}`, amountCents: 100 }, `${orderId}:paid`, orderId);
        }),
      );
    }

    // SIGTERM once it is well into the work, with deliveries in flight.
    for (let i = 0; i < 800 && (await keysOf(redis, `${keyPrefix}order:*`)).length < ORDERS / 4; i++) await new Promise((r) => setTimeout(r, 10));
    const termAt = Date.now();
    const code = await first.stop(DRAIN_MS + CLOSE_MARGIN_MS + 10_000);
    const tookMs = Date.now() - termAt;
    expect({ code, output: code === 0 ? '' : first.output() }).toEqual({ code: 0, output: '' });
    expect(tookMs).toBeLessThan(DRAIN_MS + CLOSE_MARGIN_MS);
    const afterStop = await storedOrders(redis, keyPrefix, orderIds);
    // It really stopped mid-run, and what it applied it applied once.
    expect([...afterStop.values()].filter((o) => o.status === 'paid').length).toBeLessThan(ORDERS);
    expect(appliedTwice(afterStop)).toEqual([]);

    const second = await spawnOrderly(env);
    processes.push(second);
    const admin = await bearer('test-admin', 'admin');
    const pending = new Set(orderIds);
    const deadline = Date.now() + 90_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const orderId of [...pending].slice(0, 100)) {
        const response = await fetch(`${second.url}/orders/${orderId}`, { headers: admin });
        if (!response.ok) continue;
        const order = (await response.json()) as { status: string; version: number; history: { eventId: string }[] };
        if (order.status !== 'paid') continue;
        expect(order.version).toBe(2);
        expect(new Set(order.history.map((h) => h.eventId)).size).toBe(2);
        pending.delete(orderId);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending.size).toBe(0);
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
