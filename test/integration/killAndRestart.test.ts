import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/auth.js';
import { goProducers, type Producer } from '../support/goProducers.js';
import { keysOf as keysIn, paidOrders as paidIn } from '../support/redisOrders.js';
import { runEnv } from '../support/runEnv.js';

/**
 * Guarantee 3 with every durable broker and the Redis store: Orderly killed with SIGKILL in the
 * middle of a run and started again loses nothing and applies nothing twice. The broker keeps
 * what was not acked (Kafka: not committed), the store keeps state and dedup marks in one write.
 * Runs the built entry point, as `npm start` does (`npm test` builds first). Core NATS is left out
 * on purpose: it is at-most-once, and what a killed process held is gone (see the README).
 */
const ORDERS = 1000;
const redis = new Redis('redis://127.0.0.1:6379');
const main = new URL('../../dist/src/app/main.js', import.meta.url).pathname;
const children: ChildProcess[] = [];
const keysOf = (pattern: string) => keysIn(redis, pattern);
const paidOrders = (keyPrefix: string, orderIds: readonly string[]) => paidIn(redis, keyPrefix, orderIds);
const cleanups: Array<() => Promise<void>> = [];

function startOrderly(env: Record<string, string>): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = (async () => {
    for (let i = 0; i < 600; i++) {
      const match = /API\s+(http:\/\/\S+)/.exec(out);
      if (match?.[1]) return match[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`Orderly did not start: ${out}`);
  })();
  return { child, url };
}

async function whenReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('Orderly did not get ready within 30 s');
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await redis.quit();
}, 60_000);

describe.each(['kafka', 'rabbitmq', 'nats', 'redis', 'redis-list'] as const)('kill -9 and restart - %s source, redis store', (broker) => {
  it(`brings all ${ORDERS} orders to their final state exactly once across a SIGKILL`, async () => {
    const run = `orderly-kill-${broker}-${process.pid}-${Date.now().toString(36)}`;
    const { prefix, keyPrefix, env: base } = runEnv(run, broker);
    const env = {
      ...base,
      ORDERLY_CREDIT: '64',
      ORDERLY_REDIS_CLAIM_IDLE_MS: '2000', // Redis Streams: what the killed process held comes back after 2 s, not 30
      KAFKA_SESSION_TIMEOUT_MS: '6000', // Kafka: the killed member's partitions move after 6 s, not 30
    };
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `${run}-${i}`);
    const first = startOrderly(env);
    await whenReady(await first.url);
    const producer: Producer = await goProducers[broker](prefix, env, run);
    cleanups.push(async () => {
      await producer.close();
      const keys = await keysOf(`${keyPrefix}*`);
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

    // Kill it once it is well into the work, with deliveries in flight.
    for (let i = 0; i < 800 && (await keysOf(`${keyPrefix}order:*`)).length < ORDERS / 4; i++) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // It really was killed mid-run: some orders were paid, not all of them.
    expect(await paidOrders(keyPrefix, orderIds)).toBeLessThan(ORDERS);

    const second = startOrderly(env);
    const url = await second.url;
    const admin = await bearer('test-admin', 'admin');
    const pending = new Set(orderIds);
    const deadline = Date.now() + 90_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const orderId of [...pending].slice(0, 100)) {
        const response = await fetch(`${url}/orders/${orderId}`, { headers: admin });
        if (!response.ok) continue;
        const order = (await response.json()) as { status: string; version: number; history: { eventId: string }[] };
        if (order.status !== 'paid') continue;
        // Exactly once in effect: two events, two writes, each event once in the history.
        expect(order.version).toBe(2);
        expect(new Set(order.history.map((h) => h.eventId)).size).toBe(2);
        pending.delete(orderId);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending.size).toBe(0);
    second.child.kill('SIGTERM');
    expect(await new Promise((r) => second.child.once('exit', (code) => r(code)))).toBe(0);
  }, 180_000);
});
