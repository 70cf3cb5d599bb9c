import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderRecord } from '../../src/actors/orderRecord.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { loadConfig } from '../../src/app/config.js';
import type { DeadLetters } from '../../src/app/startDeadLetters.js';
import { startPipeline, type Pipeline } from '../../src/app/startPipeline.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createHttpAuth } from '../../src/gateways/http/auth/index.js';
import { registerDlqRoutes } from '../../src/gateways/http/dlqRoutes.js';
import { createMemoryDedupStore } from '../../src/gateways/memory/createMemoryDedupStore.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/index.js';
import { fromStreamFields } from '../../src/gateways/redis/redisStreamMessage.js';
import { createRedisStreamsGateway } from '../../src/gateways/redis/createRedisStreamsGateway.js';
import type { DeadLetterEntry } from '../../src/streams/deadLetterStore.js';
import { replayDeadLetter } from '../../src/streams/replayDeadLetter.js';
import { bearer, TEST_JWT_SECRET } from '../support/auth.js';
import { envelopeOf } from '../support/orderEvents.js';
import { redisUrl, runKeyPrefix } from '../gateways/redis/runKeyPrefix.js';

// Issue 5 on the machine's Redis: Redis Streams in, the dead-letter index on Redis, everything
// under a prefix of this run (streams, index), deleted afterwards. The order store is the
// embedded one, wrapped so that one event id fails every time until the test "fixes the cause".
const keys = runKeyPrefix('quarantine');
const A = 'o-A';
const B = 'o-B';
const POISON = `${keys.prefix}poison`;
let failing = true;
let refusals = 0;

const orders = createMemoryOrderStore();
const store: OrderStore = {
  load: (id) => orders.load(id),
  save: async (record, expectedVersion, outbox) => {
    if (failing && record.appliedIds.includes(POISON)) {
      refusals++;
      throw new Error('store refuses the poison event');
    }
    return orders.save(record, expectedVersion, outbox);
  },
};

const config = loadConfig({
  LOG_LEVEL: 'silent',
  ORDERLY_SOURCES: 'redis',
  REDIS_URL: redisUrl,
  ORDERLY_STORE: 'redis', // where the dead-letter index lives; the order store is handed in
  ORDERLY_REDIS_KEY_PREFIX: keys.prefix,
  ORDERLY_CHANNELS: 'orders',
  ORDERLY_CONSUMER_GROUP: 'orderly',
  ORDERLY_STATUS_EVENTS: 'false',
  ORDERLY_MAX_ATTEMPTS: '3',
  ORDERLY_RETRY_BASE_MS: '10',
  ORDERLY_RETRY_MAX_MS: '20',
  ORDERLY_CREDIT: '16',
});
const gateway = createRedisStreamsGateway({ url: redisUrl, keyPrefix: keys.prefix });
let deadLetters: DeadLetters;
let pipeline: Pipeline;
let api: FastifyInstance;

beforeAll(async () => {
  // The pipeline indexes its dead letters itself (in the Redis store the config names).
  pipeline = await startPipeline(config, { logger: pino({ level: 'silent' }), store, gateways: { redis: gateway } });
  deadLetters = pipeline.deadLetters;
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  api = Fastify();
  registerDlqRoutes(api, deadLetters.routeDeps({ publisher: pipeline.publisher, gateways: new Map([['redis', pipeline.publisher]]) }, auth));
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await pipeline?.stop(2_000);
  await gateway.close();
  await keys.deleteKeys();
});

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const applied = (record: OrderRecord | undefined) => record?.history.map((h) => h.eventId) ?? [];

describe('quarantine - one poison message on Redis Streams', () => {
  it('parks the poison with its context in the index and on the broker DLQ; its order goes on, and so does the other', async () => {
    const created = envelopeOf('order.created', A, {}, `${keys.prefix}a-created`);
    const poison = envelopeOf('payment.failed', A, { paymentId: 'p-1', reason: 'declined' }, POISON);
    const laterA = [envelopeOf('payment.failed', A, { paymentId: 'p-2', reason: 'declined' }, `${keys.prefix}a-2`), envelopeOf('payment.failed', A, { paymentId: 'p-3', reason: 'expired' }, `${keys.prefix}a-3`)];
    const forB = [
      envelopeOf('order.created', B, {}, `${keys.prefix}b-created`),
      envelopeOf('payment.completed', B, {}, `${keys.prefix}b-paid`),
      envelopeOf('order.shipped', B, {}, `${keys.prefix}b-shipped`),
    ];
    // The poison is right behind A's creation, with more of A and all of B behind it.
    for (const envelope of [created, poison, forB[0]!, laterA[0]!, forB[1]!, laterA[1]!, forB[2]!]) await gateway.publish('orders', encodeStructured(envelope));

    const recordA = await until('A to take its later events', () => store.load(A), (r) => applied(r).includes(laterA[1]!.id));
    expect(applied(recordA)).toEqual([created.id, laterA[0]!.id, laterA[1]!.id]);
    expect(recordA?.status).toBe('payment_failed');
    const recordB = await until('B to be shipped', () => store.load(B), (r) => r?.status === 'shipped');
    expect(applied(recordB)).toEqual(forB.map((e) => e.id));
    expect(refusals).toBe(3);

    const [entry, ...more] = await until('the index entry', () => deadLetters.store.list({ orderKey: A }), (list) => list.length > 0);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      reason: 'max-attempts',
      attempts: 3,
      error: 'Error: store refuses the poison event',
      eventId: POISON,
      eventType: 'payment.failed',
      orderKey: A,
      correlationId: poison.correlationId,
      origin: { gateway: 'redis', channel: 'orders', coordinates: { stream: `${keys.prefix}orders` } },
    });
    expect(Date.parse(entry!.firstFailedAt)).toBeLessThanOrEqual(Date.parse(entry!.lastFailedAt));
    // Its context: A as stored when it was quarantined — created, nothing of the poison.
    expect(entry!.context?.snapshot).toMatchObject({ orderId: A, status: 'pending', version: 1 });
    expect(entry!.context?.history).toEqual([expect.objectContaining({ eventId: created.id, type: 'order.created', status: 'pending' })]);

    // The broker's copy: the original event, with the reason and a link to the index entry.
    const redis = new Redis(redisUrl);
    try {
      const parked = await until('the broker DLQ entry', () => redis.xrange(`${keys.prefix}orders:dlq`, '-', '+'), (list) => list.length > 0);
      expect(parked).toHaveLength(1);
      const message = fromStreamFields(parked[0]![1]);
      expect(message.headers).toMatchObject({
        'x-dead-letter-code': 'max-attempts',
        'x-dead-letter-attempts': '3',
        'x-dead-letter-id': entry!.id,
        'x-original-event-id': POISON,
        'x-dead-letter-correlation-id': poison.correlationId,
        'x-original-channel': 'orders',
      });
      expect(message.headers['x-dead-letter-first-at']).toBe(entry!.firstFailedAt);
      expect(JSON.parse(Buffer.from(message.body).toString('utf8'))).toMatchObject({ id: POISON, type: 'payment.failed' });
    } finally {
      await redis.quit();
    }
  });

  it('replayed from the API once the cause is fixed, the poison is applied once; replaying the same original again changes nothing', async () => {
    failing = false;
    const admin = await bearer('ops', 'admin');
    const [entry] = (await api.inject({ method: 'GET', url: `/dlq?order=${A}`, headers: admin })).json<{ entries: DeadLetterEntry[] }>().entries;
    const full = (await api.inject({ method: 'GET', url: `/dlq/${entry!.id}`, headers: admin })).json<DeadLetterEntry>();
    const replay = await api.inject({ method: 'POST', url: `/dlq/${entry!.id}/replay`, headers: admin, payload: {} });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ replayed: { id: entry!.id, eventId: POISON, gateway: 'redis', channel: 'orders' } });

    const recordA = await until('the poison to be applied', () => store.load(A), (r) => applied(r).includes(POISON));
    expect(applied(recordA).filter((id) => id === POISON)).toHaveLength(1);
    expect(await deadLetters.store.list({ orderKey: A })).toEqual([]);

    // The same original once more (say, from the broker's DLQ copy): a duplicate, absorbed.
    const settledBefore = await countSettled();
    await replayDeadLetter(full, { store: deadLetters.store, sinkFor: () => pipeline.publisher });
    await until('the duplicate to be settled', countSettled, (n) => n > settledBefore);
    const after = await store.load(A);
    expect(applied(after).filter((id) => id === POISON)).toHaveLength(1);
    expect(after?.version).toBe(recordA?.version);
    expect(await deadLetters.store.size()).toBe(0);
  });
});

let settledCount = 0;
let counting = false;
/** Deliveries the pipeline settled since the first call. */
async function countSettled(): Promise<number> {
  if (!counting) {
    counting = true;
    pipeline.settled$.subscribe(() => settledCount++);
  }
  return settledCount;
}
