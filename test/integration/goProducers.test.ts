import { connect as amqpConnect } from 'amqplib';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { connect as natsConnect, headers as natsHeaders } from 'nats';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, type SourceName } from '../../src/app/config.js';
import { createOrderly } from '../../src/app/createOrderly.js';

/**
 * The classic Go producers: plain JSON on channels named after the event type, `order.created`
 * in its v1 shape (no currency), ids from a `message-id` header or — for half of them — from the
 * broker's own coordinates. Each broker is shared, so the channels carry a prefix unique to the
 * run (ORDERLY_CHANNEL_PREFIX) and are deleted afterwards.
 */
const ORDERS = 1000;
const run = `orderly-go-${process.pid}-${Date.now().toString(36)}`;

type Publish = (type: 'order.created' | 'payment.completed', body: object, messageId: string | undefined, key: string) => Promise<void>;
interface Producer {
  publish: Publish;
  close(): Promise<void>;
}

const producers: Record<Exclude<SourceName, 'memory'>, (prefix: string, env: Record<string, string>) => Promise<Producer>> = {
  async kafka(prefix) {
    const kafka = new Kafka({ clientId: `${run}-producer`, brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return {
      publish: async (type, body, messageId, key) => {
        await producer.send({ topic: prefix + type, acks: -1, messages: [{ key, value: JSON.stringify(body), headers: messageId ? { 'message-id': messageId } : {} }] });
      },
      close: async () => {
        await producer.disconnect();
        const admin = kafka.admin();
        await admin.connect();
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        await admin.deleteTopics({ topics }).catch(() => undefined);
        await admin.deleteGroups([`${run}-kafka`]).catch(() => undefined);
        await admin.disconnect();
      },
    };
  },
  async rabbitmq(prefix) {
    const connection = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const channel = await connection.createConfirmChannel();
    return {
      publish: (type, body, messageId) =>
        new Promise((resolve, reject) =>
          channel.publish('orders', prefix + type, Buffer.from(JSON.stringify(body)), { persistent: true, ...(messageId ? { messageId } : {}) }, (error) =>
            error ? reject(error) : resolve(),
          ),
        ),
      close: async () => {
        for (const type of ['orders', 'order.created', 'payment.completed', 'payment.failed', 'order.cancelled', 'order.shipped']) {
          await channel.deleteQueue(prefix + type);
          await channel.deleteQueue(`${prefix + type}.dlq`);
        }
        await connection.close();
      },
    };
  },
  async redis(prefix) {
    const { Redis } = await import('ioredis');
    const redis = new Redis('redis://127.0.0.1:6379');
    return {
      // The Go original's shape: the JSON in field `data`, the id in `id`.
      publish: async (type, body, messageId) => {
        await redis.xadd(prefix + type, '*', 'data', JSON.stringify(body), ...(messageId ? ['id', messageId] : []));
      },
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
  async 'redis-list'(prefix) {
    const { Redis } = await import('ioredis');
    const redis = new Redis('redis://127.0.0.1:6379');
    return {
      // The Go original's list producer: `LPUSH queue:<type> <json>`, nothing else.
      publish: async (type, body) => {
        await redis.lpush(`queue:${prefix}${type}`, JSON.stringify(body));
      },
      close: async () => {
        const keys = await redis.keys(`queue:${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
  async 'nats-core'(prefix) {
    // The Go original's core publish: at-most-once, so it starts once Orderly is ready.
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    return {
      publish: async (type, body, messageId) => {
        const h = natsHeaders();
        if (messageId) h.set('message-id', messageId);
        nc.publish(prefix + type, new TextEncoder().encode(JSON.stringify(body)), { headers: h });
        await nc.flush();
      },
      close: () => nc.close(),
    };
  },
  async nats(prefix, env) {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    const js = nc.jetstream();
    return {
      publish: async (type, body, messageId) => {
        const h = natsHeaders();
        if (messageId) h.set('message-id', messageId);
        await js.publish(prefix + type, new TextEncoder().encode(JSON.stringify(body)), { headers: h });
      },
      close: async () => {
        await (await nc.jetstreamManager()).streams.delete(env.ORDERLY_NATS_STREAM!).catch(() => undefined);
        await nc.close();
      },
    };
  },
};

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
    };
    const orderly = await createOrderly(loadConfig(env), { logger: pino({ level: 'silent' }) });
    const producer = await producers[broker](prefix, env);
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
      const pending = new Set(Array.from({ length: ORDERS }, (_, i) => `${run}-${broker}-${i}`));
      const deadline = Date.now() + 60_000;
      while (pending.size > 0 && Date.now() < deadline) {
        for (const orderId of [...pending].slice(0, 100)) {
          const response = await fetch(`${orderly.url}/orders/${orderId}`);
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
