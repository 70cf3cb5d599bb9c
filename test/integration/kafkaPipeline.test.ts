import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { statusOf } from '../support/orderStatus.js';

// Orderly end to end on the Kafka broker of scripts/kafka.sh. Topics and group are named for
// this run and deleted afterwards.
const brokers = ['127.0.0.1:9092'];
const run = `orderly-it-${process.pid}-${Date.now().toString(36)}`;
const topic = `${run}.orders`;
let orderly: Orderly;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...testAuthEnv,
    ORDERLY_SOURCES: 'kafka',
    ORDERLY_STATUS_EVENTS: 'false', // not what this test is about, and the status channel would be shared
    KAFKA_BROKERS: brokers.join(','),
    ORDERLY_CHANNELS: topic,
    ORDERLY_PUBLISH_CHANNEL: topic,
    ORDERLY_CONSUMER_GROUP: run,
  });
  orderly = await createOrderly(config, { logger: pino({ level: 'silent' }) });
  const kafka = new Kafka({ clientId: 'orderly-it-producer', brokers, logLevel: logLevel.NOTHING });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
}, 60_000);

afterAll(async () => {
  await orderly.stop();
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.deleteGroups([run]).catch(() => undefined);
  await Promise.all([producer.disconnect(), admin.disconnect()]);
}, 60_000);


describe('kafka pipeline - end to end', () => {
  it('is ready only once the group has given the consumer its partitions', async () => {
    // Checked right after start: the first answer may still be "waiting"; it must turn ready, and
    // while it waits it says why.
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      const response = await fetch(`${orderly.url}/readyz`);
      status = response.status;
      const body = (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
      seen.add(body.checks['source:kafka']?.ok ? 'ok' : (body.checks['source:kafka']?.detail ?? 'missing'));
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
    expect([...seen].filter((s) => s !== 'ok')).toEqual(
      [...seen].filter((s) => s !== 'ok').map(() => 'waiting for the broker to put the consumer in place'),
    );
  });

  it('applies an order posted over HTTP and a binary-mode CloudEvent a producer sent keyed by order id', async () => {
    const order = { orderId: `${run}-o1`, userId: 'u', items: [{ productId: 'p', quantity: 2, priceCents: 250 }], totalCents: 500, currency: 'EUR' };
    const posted = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u')) }, body: JSON.stringify(order) });
    expect(posted.status).toBe(202);
    expect(await statusOf(orderly.url, order.orderId, 'pending', 30_000)).toBe('pending');

    // The CloudEvents Kafka binding: ce_ headers, the order id as record key.
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: order.orderId,
          value: JSON.stringify({ orderId: order.orderId, paymentId: 'p1', amountCents: 500 }),
          headers: { ce_specversion: '1.0', ce_id: `${run}-pay`, ce_source: '/payments', ce_type: 'payment.completed', 'content-type': 'application/json' },
        },
      ],
    });
    expect(await statusOf(orderly.url, order.orderId, 'paid', 30_000)).toBe('paid');
  }, 60_000);
});
