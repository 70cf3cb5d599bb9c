import { execFileSync } from 'node:child_process';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
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
    ...testAuthEnv,
    ORDERLY_SOURCES: 'rabbitmq',
    ORDERLY_STATUS_EVENTS: 'false', // not what this test is about, and the status channel would be shared
    AMQP_URL: url,
    ORDERLY_AMQP_CONNECTION_NAME: run,
    ORDERLY_RETRY_BASE_MS: '50',
    ORDERLY_RETRY_MAX_MS: '500',
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
    const posted = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u')) }, body: JSON.stringify(order) });
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

  it('reconnects after RabbitMQ drops its connection, says so on /readyz meanwhile, and loses nothing', async () => {
    // Close only Orderly's own connection on the shared broker, found by its name.
    const listing = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { encoding: 'utf8' });
    const line = listing.split('\n').find((l) => l.includes(run));
    expect(line, 'Orderly’s connection is listed under its name').toBeDefined();
    execFileSync('rabbitmqctl', ['close_connection', line!.split('\t')[0]!, 'test: broker connection lost']);

    let sawReconnecting = false;
    for (let i = 0; i < 100 && !sawReconnecting; i++) {
      const ready = (await (await fetch(`${orderly.url}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      sawReconnecting = ready.checks['source:rabbitmq']?.ok === false;
      if (!sawReconnecting) await new Promise((r) => setTimeout(r, 5));
    }

    const order = { orderId: `${run}-o2`, userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, currency: 'EUR' };
    // Publishing may meet the closed connection once; the client retries, as any producer would.
    let posted = 0;
    for (let i = 0; i < 50 && posted !== 202; i++) {
      posted = (await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u')) }, body: JSON.stringify(order) })).status;
      if (posted !== 202) await new Promise((r) => setTimeout(r, 100));
    }
    expect(posted).toBe(202);
    expect(await statusOf(orderly.url, order.orderId, 'pending', 30_000)).toBe('pending');
    expect(sawReconnecting).toBe(true);
    expect((await fetch(`${orderly.url}/readyz`)).status).toBe(200);
  });
});
