import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { goProducers } from '../support/goProducers.js';

/**
 * The classic Go producers: plain JSON on channels named after the event type, `order.created`
 * in its v1 shape (no currency), ids from a `message-id` header or — for half of them — from the
 * broker's own coordinates. Each broker is shared, so the channels carry a prefix unique to the
 * run (ORDERLY_CHANNEL_PREFIX) and are deleted afterwards.
 */
const ORDERS = 400; // every order to its final state; the long runs (npm run scale) take the volume
const run = `orderly-go-${process.pid}-${Date.now().toString(36)}`;

describe.each(['kafka', 'rabbitmq', 'nats', 'nats-core', 'redis', 'redis-list'] as const)('go producers on %s - end to end', (broker) => {
  it(`applies ${ORDERS} orders created and paid in plain JSON, every one exactly to its final state`, async () => {
    const prefix = `${run}-${broker}.`;
    const env = {
      PORT: '0',
      LOG_LEVEL: 'silent',
      ORDERLY_SOURCES: broker,
      ORDERLY_CHANNEL_PREFIX: prefix,
      ORDERLY_CONSUMER_GROUP: `${run}-${broker}`,
      ORDERLY_NATS_STREAM: `${run}-${broker}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      ORDERLY_CREDIT: '64',
      ...testAuthEnv,
    };
    const orderly = await createOrderly(loadConfig(env), { logger: pino({ level: 'silent' }) });
    const producer = await goProducers[broker](prefix, env, run);
    try {
      // The producer starts once Orderly says it is ready: from then on nothing may be missed,
      // not even on core NATS, which keeps nothing for a consumer that is not there yet.
      const readyBy = Date.now() + 30_000;
      while ((await fetch(`${orderly.url}/readyz`)).status !== 200) {
        if (Date.now() > readyBy) throw new Error(`${broker}: Orderly did not get ready within 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let i = 0; i < ORDERS; i++) {
        const orderId = `${run}-${broker}-${i}`;
        const messageId = i % 2 === 0 ? `${orderId}:created` : undefined; // odd ones: id from broker coordinates
        await producer.publish(
          'order.created',
          { orderId, userId: `u-${i % 10}`, items: [{ productId: 'p', quantity: 1, priceCents: 250 }], totalCents: 250, timestamp: '2026-01-01T00:00:00Z' },
          messageId,
          orderId,
        );
        await producer.publish('payment.completed', { orderId, paymentId: `pay-${i}`, amountCents: 250 }, i % 2 === 0 ? `${orderId}:paid` : undefined, orderId);
      }
      // Bounded: every order must be paid well within the limit, or the test fails.
      const admin = await bearer('test-admin', 'admin'); // the orders belong to ten users
      const pending = new Set(Array.from({ length: ORDERS }, (_, i) => `${run}-${broker}-${i}`));
      const deadline = Date.now() + 60_000;
      while (pending.size > 0 && Date.now() < deadline) {
        for (const orderId of [...pending].slice(0, 100)) {
          const response = await fetch(`${orderly.url}/orders/${orderId}`, { headers: admin });
          if (!response.ok) continue;
          const order = (await response.json()) as { status: string; version: number; currency: string; history: unknown[] };
          if (order.status !== 'paid') continue;
          expect(order).toMatchObject({ currency: 'EUR', version: 2 }); // upcast v1 → v2; two writes, nothing applied twice
          expect(order.history).toHaveLength(2);
          pending.delete(orderId);
        }
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(pending.size).toBe(0);
    } finally {
      await orderly.stop();
      await producer.close();
    }
  }, 120_000);
});
