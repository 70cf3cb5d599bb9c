import { connect } from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { statusOf } from '../support/orderStatus.js';

// Orderly end to end on the real RabbitMQ of this machine. The broker is shared and keeps
// state, so the channels (queues) are named for this run and deleted afterwards.
const url = 'amqp://guest:guest@127.0.0.1:5672';
const run = `orderly-it-${process.pid}-${Date.now().toString(36)}`;
const keyed = `${run}.orders`;
let orderly: Orderly;

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    ORDERLY_SOURCES: 'rabbitmq',
    AMQP_URL: url,
    ORDERLY_CHANNELS: keyed,
    ORDERLY_PUBLISH_CHANNEL: keyed,
    ORDERLY_CONSUMER_GROUP: run,
  });
  orderly = await createOrderly(config, { logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await orderly.stop();
  const admin = await connect(url);
  const channel = await admin.createChannel();
  for (const queue of [keyed, `${keyed}.dlq`]) await channel.deleteQueue(queue);
  await admin.close();
});


describe('rabbitmq pipeline - end to end', () => {
  it('applies an order posted over HTTP and a binary-mode CloudEvent published by a producer on AMQP', async () => {
    const order = { orderId: `${run}-o1`, userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' };
    const posted = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(posted.status).toBe(202);
    expect(await statusOf(orderly.url, order.orderId, 'pending', 30_000)).toBe('pending');

    // A producer of its own, speaking AMQP with ce_ headers (the CloudEvents AMQP binding).
    const producer = await connect(url);
    const channel = await producer.createConfirmChannel();
    await new Promise<void>((resolve, reject) =>
      channel.publish(
        'orders',
        keyed,
        Buffer.from(JSON.stringify({ orderId: order.orderId, paymentId: 'pay-1', amountCents: 700 })),
        {
          persistent: true,
          contentType: 'application/json',
          headers: { ce_specversion: '1.0', ce_id: `${run}-pay-1`, ce_source: '/payments', ce_type: 'payment.completed', correlation_id: 'corr-amqp' },
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await producer.close();
    expect(await statusOf(orderly.url, order.orderId, 'paid', 30_000)).toBe('paid');
  });
});
