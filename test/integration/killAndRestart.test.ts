import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Guarantee 3 with a real broker and store: Orderly killed with SIGKILL in the middle of a run
 * and started again loses nothing and applies nothing twice. Kafka is the source (the record
 * stays in the log until committed), Redis the store (state and dedup marks in one write).
 * Runs the built entry point, as `npm start` does (`npm test` builds first).
 */
const ORDERS = 1000;
const run = `orderly-kill-${process.pid}-${Date.now().toString(36)}`;
const prefix = `${run}.`;
const keyPrefix = `${run}:`;
const main = new URL('../../dist/src/app/main.js', import.meta.url).pathname;
const env = {
  ...process.env,
  PORT: '0',
  LOG_LEVEL: 'warn',
  ORDERLY_SOURCES: 'kafka',
  ORDERLY_STORE: 'redis',
  ORDERLY_REDIS_KEY_PREFIX: keyPrefix,
  ORDERLY_CHANNEL_PREFIX: prefix,
  ORDERLY_CONSUMER_GROUP: run,
  ORDERLY_CREDIT: '64',
};
const kafka = new Kafka({ clientId: `${run}-test`, brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const redis = new Redis('redis://127.0.0.1:6379');
const children: ChildProcess[] = [];

function startOrderly(): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function storedOrders(): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}order:*`, 'COUNT', 1000);
    count += keys.length;
    cursor = next;
  } while (cursor !== '0');
  return count;
}

async function paidOrders(): Promise<number> {
  const records = await redis.pipeline(Array.from({ length: ORDERS }, (_, i) => ['hget', `${keyPrefix}order:${run}-${i}`, 'record'])).exec();
  return (records ?? []).filter(([, json]) => typeof json === 'string' && (JSON.parse(json) as { status: string }).status === 'paid').length;
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups([run]).catch(() => undefined);
  await admin.disconnect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}, 60_000);

describe('kill -9 and restart - kafka source, redis store', () => {
  it(`brings all ${ORDERS} orders to their final state exactly once across a SIGKILL`, async () => {
    const first = startOrderly();
    await first.url;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < ORDERS; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => `${run}-${i + j}`);
      await producer.send({
        topic: `${prefix}order.created`,
        acks: -1,
        messages: batch.map((orderId) => ({
          key: orderId,
          value: JSON.stringify({ orderId, userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, timestamp: '2026-01-01T00:00:00Z' }),
        })),
      });
      await producer.send({
        topic: `${prefix}payment.completed`,
        acks: -1,
        messages: batch.map((orderId) => ({ key: orderId, value: JSON.stringify({ orderId, paymentId: `pay-${orderId}`, amountCents: 100 }) })),
      });
    }
    await producer.disconnect();

    // Kill it once it is well into the work, with deliveries in flight.
    for (let i = 0; i < 400 && (await storedOrders()) < ORDERS / 4; i++) await new Promise((r) => setTimeout(r, 25));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // It really was killed mid-run: some orders were paid, not all of them.
    const paidAtKill = await paidOrders();
    expect(paidAtKill).toBeLessThan(ORDERS);

    const second = startOrderly();
    const url = await second.url;
    const pending = new Set(Array.from({ length: ORDERS }, (_, i) => `${run}-${i}`));
    const deadline = Date.now() + 90_000;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const orderId of [...pending].slice(0, 100)) {
        const response = await fetch(`${url}/orders/${orderId}`);
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
