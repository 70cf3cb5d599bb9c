import { connect, headers, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { statusOf } from '../support/orderStatus.js';

// Orderly end to end on the real NATS JetStream of this machine. The server is shared and
// keeps state, so the stream and subject are named for this run; the stream is deleted after.
const servers = '127.0.0.1:4222';
const run = `orderly-it-${process.pid}-${Date.now().toString(36)}`;
const stream = run.replace(/[^A-Za-z0-9_-]/g, '_');
const subject = `${run}.orders`;
let orderly: Orderly;
let producer: NatsConnection;

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...testAuthEnv,
    ORDERLY_SOURCES: 'nats',
    ORDERLY_STATUS_EVENTS: 'false', // not what this test is about, and the status channel would be shared
    NATS_URL: `nats://${servers}`,
    ORDERLY_NATS_STREAM: stream,
    ORDERLY_CHANNELS: subject,
    ORDERLY_PUBLISH_CHANNEL: subject,
    ORDERLY_CONSUMER_GROUP: 'orderly',
  });
  orderly = await createOrderly(config, { logger: pino({ level: 'silent' }) });
  producer = await connect({ servers });
});

afterAll(async () => {
  await orderly.stop();
  const jsm = await producer.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => undefined);
  await producer.close();
});


describe('nats pipeline - end to end', () => {
  it('applies an order posted over HTTP and a binary-mode CloudEvent a producer published to JetStream', async () => {
    const order = { orderId: `${run}-o1`, userId: 'u', items: [{ productId: 'p', quantity: 3, priceCents: 100 }], totalCents: 300, currency: 'EUR' };
    const posted = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u')) }, body: JSON.stringify(order) });
    expect(posted.status).toBe(202);
    expect(await statusOf(orderly.url, order.orderId, 'pending', 30_000)).toBe('pending');

    // The CloudEvents NATS binding: ce- headers, the data as the body.
    const h = headers();
    for (const [name, value] of Object.entries({ 'ce-specversion': '1.0', 'ce-id': `${run}-pay`, 'ce-source': '/payments', 'ce-type': 'payment.completed', 'content-type': 'application/json' })) {
      h.set(name, value);
    }
    await producer.jetstream().publish(subject, new TextEncoder().encode(JSON.stringify({ orderId: order.orderId, paymentId: 'p1', amountCents: 300 })), { headers: h });
    expect(await statusOf(orderly.url, order.orderId, 'paid', 30_000)).toBe('paid');
  });
});
