import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { startPipeline, type Pipeline } from '../../src/app/startPipeline.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createRedisStreamsGateway } from '../../src/gateways/redis/createRedisStreamsGateway.js';
import type { BrokerGateway } from '../../src/streams/brokerGateway.js';
import { envelopeOf } from '../support/orderEvents.js';
import { keysOf } from '../support/redisOrders.js';

// Orderly on the machine's Redis: Redis Streams as the broker (in and out) and the Redis order
// store with its outbox. Shared server: every stream and key is named for this run and deleted.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `orderly-it-status-${process.pid}-${Date.now().toString(36)}`;
const statusChannel = `${run}.order.status`;
const config = loadConfig({
  LOG_LEVEL: 'silent',
  ORDERLY_SOURCES: 'redis',
  ORDERLY_STORE: 'redis',
  REDIS_URL: url,
  ORDERLY_REDIS_KEY_PREFIX: `${run}:`,
  ORDERLY_CHANNEL_PREFIX: `${run}.`,
  ORDERLY_CHANNELS: 'orders',
  ORDERLY_CONSUMER_GROUP: run,
  ORDERLY_RETRY_BASE_MS: '20',
  ORDERLY_RETRY_MAX_MS: '200',
  ORDERLY_OUTBOX_POLL_MS: '50',
});
const logger = pino({ level: 'silent' });

interface StatusEvent {
  readonly id: string;
  readonly type: string;
  readonly partitionkey: string;
  readonly causationid: string;
  readonly data: { readonly orderId: string; readonly from: string; readonly to: string; readonly eventId: string };
}

let reader: BrokerGateway;
let reading: Subscription;
const received: StatusEvent[] = [];

beforeAll(() => {
  // A consumer of the status channel of its own, as a downstream service would be.
  reader = createRedisStreamsGateway({ url });
  reading = reader.consume({ channels: [statusChannel], group: `${run}-reader`, credit: 64 }).subscribe((delivery) => {
    received.push(JSON.parse(Buffer.from(delivery.message.body).toString('utf8')) as StatusEvent);
    void delivery.ack();
  });
});

afterAll(async () => {
  reading?.unsubscribe();
  await reader?.close();
  const redis = new Redis(url);
  const keys = [...(await keysOf(redis, `${run}.*`)), ...(await keysOf(redis, `${run}:*`))];
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Three kinds of order life; `expected` is one `from->to by cause` per transition, in order. */
function orders(from: number, count: number): { events: Envelope[]; expected: Map<string, string[]> } {
  const events: Envelope[] = [];
  const expected = new Map<string, string[]>();
  for (let i = from; i < from + count; i++) {
    const orderId = `${run}-o${i}`;
    const id = (step: string) => `${orderId}:${step}`;
    const life: [Envelope, string][] =
      i % 3 === 0
        ? [
            [envelopeOf('order.created', orderId, {}, id('created')), 'new->pending'],
            [envelopeOf('payment.completed', orderId, {}, id('paid')), 'pending->paid'],
            [envelopeOf('order.shipped', orderId, {}, id('shipped')), 'paid->shipped'],
          ]
        : i % 3 === 1
          ? [
              [envelopeOf('order.created', orderId, {}, id('created')), 'new->pending'],
              [envelopeOf('payment.failed', orderId, { paymentId: 'f1' }, id('failed1')), 'pending->payment_failed'],
              [envelopeOf('payment.failed', orderId, { paymentId: 'f2' }, id('failed2')), ''], // no status change
              [envelopeOf('payment.completed', orderId, {}, id('paid')), 'payment_failed->paid'],
            ]
          : [
              [envelopeOf('order.created', orderId, {}, id('created')), 'new->pending'],
              [envelopeOf('order.cancelled', orderId, {}, id('cancelled')), 'pending->cancelled'],
            ];
    events.push(...life.map(([envelope]) => envelope));
    expected.set(orderId, life.filter(([, t]) => t !== '').map(([envelope, t]) => `${t} by ${envelope.id}`));
  }
  return { events, expected };
}

/** The received status events, deduplicated by id (first kept), as `from->to by cause` per order. */
function seenPerOrder(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const ids = new Set<string>();
  for (const event of received) {
    if (ids.has(event.id)) continue;
    ids.add(event.id);
    const list = seen.get(event.data.orderId) ?? [];
    list.push(`${event.data.from}->${event.data.to} by ${event.data.eventId}`);
    seen.set(event.data.orderId, list);
  }
  return seen;
}

async function until(condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const publishAll = async (pipeline: Pipeline, events: readonly Envelope[]) => {
  for (const envelope of events) await pipeline.publisher.publish(`${run}.orders`, encodeStructured(envelope));
};

describe('status events - Redis store and Redis Streams through the pipeline', () => {
  it('publishes one order.status-changed per transition to order.status, across a crash and a restart', async () => {
    const first = orders(0, 30);
    const second = orders(30, 30);
    const expected = new Map([...first.expected, ...second.expected]);
    const transitions = [...expected.values()].reduce((n, t) => n + t.length, 0);

    let pipeline = await startPipeline(config, { logger });
    try {
      await publishAll(pipeline, first.events);
      // Crash part-way: whatever was stored and not yet published (or published and not removed) stays in the outbox.
      await until(() => received.length >= 20);
      pipeline.abandon();
      pipeline = await startPipeline(config, { logger });
      await publishAll(pipeline, second.events);
      await until(() => new Set(received.map((e) => e.id)).size >= transitions);
      await until(async () => (await pipeline.outboxBacklog()) === 0);
    } finally {
      await pipeline.stop(5_000);
    }

    expect(seenPerOrder()).toEqual(expected);
    expect(new Set(received.map((e) => e.id)).size).toBe(transitions);
    for (const event of received) {
      expect(event).toMatchObject({ type: 'order.status-changed', partitionkey: event.data.orderId, causationid: event.data.eventId });
    }
  });
});
