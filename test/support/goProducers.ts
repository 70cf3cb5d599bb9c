import { connect as amqpConnect } from 'amqplib';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { connect as natsConnect, headers as natsHeaders } from 'nats';
import type { SourceName } from '../../src/app/config.js';

/**
 * The classic Go producers, one per broker: plain JSON on channels named after the event type
 * (with the run's prefix), published with the broker's own client. `close` also deletes what
 * the run made on the shared broker.
 */
export type Publish = (type: 'order.created' | 'payment.completed', body: object, messageId: string | undefined, key: string) => Promise<void>;
export interface Producer {
  publish: Publish;
  close(): Promise<void>;
}

/** `run` names the client and the consumer group to delete; `env` is the Orderly environment of the run. */
export const goProducers: Record<Exclude<SourceName, 'memory'>, (prefix: string, env: Record<string, string>, run: string) => Promise<Producer>> = {
  async kafka(prefix, env, run) {
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
        await admin.deleteGroups([env.ORDERLY_CONSUMER_GROUP!]).catch(() => undefined);
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

/** Each order created, then paid, one after the other; message ids `<orderId>:created` and `<orderId>:paid`. */
export async function publishPaidOrders(producer: Producer, orderIds: readonly string[]): Promise<void> {
  for (const orderId of orderIds) {
    const created = { orderId, userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, timestamp: '2026-01-01T00:00:00Z' };
    await producer.publish('order.created', created, `${orderId}:created`, orderId);
    await producer.publish('payment.completed', { orderId, paymentId: `pay-${orderId}`, amountCents: 100 }, `${orderId}:paid`, orderId);
  }
}
