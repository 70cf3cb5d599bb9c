import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { BrokerBench, BrokerUrls, RunningConsumer } from './brokerBench.js';
import type { Meter } from './meter.js';
import { BENCH_EVENT_TYPES, goEvents, inSlices } from './goEvents.js';
import { deleteKeysStartingWith, redisFor } from './redisKeys.js';
import type { RunNames } from './runNames.js';

type Entry = [id: string, fields: string[]];
type Reply = [stream: string, entries: Entry[]][] | null;
/** How long one blocking read waits: bounds how late a stop is noticed. */
const BLOCK_MS = 1000;

/**
 * One consumer-group member reading both streams with `XREADGROUP ... COUNT count BLOCK`, and
 * handing each reply to `handle`, until stopped. The read runs on its own connection; stopping
 * disconnects it, which ends a blocking read at once. A failed read or ack fails the meter.
 */
async function consuming(urls: BrokerUrls, names: RunNames, meter: Meter, count: number, handle: (redis: Redis, reply: NonNullable<Reply>) => Promise<void>): Promise<RunningConsumer> {
  const redis = redisFor(urls.redisUrl, `${names.runId}-consumer`);
  const streams = BENCH_EVENT_TYPES.map(names.channel);
  for (const stream of streams) await redis.xgroup('CREATE', stream, names.group, '0');
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = (await redis.xreadgroup('GROUP', names.group, 'bench', 'COUNT', count, 'BLOCK', BLOCK_MS, 'STREAMS', ...streams, ...streams.map(() => '>'))) as Reply;
      if (reply) await handle(redis, reply);
    }
  })().catch((error: unknown) => {
    if (!stopped) meter.acked.fail(error);
  });
  return {
    flush: async () => undefined, // every XACK's reply was awaited
    stop: async () => {
      stopped = true;
      redis.disconnect();
      await loop;
    },
  };
}

const receivedAll = (meter: Meter, reply: NonNullable<Reply>) => {
  for (const [, entries] of reply) for (let i = 0; i < entries.length; i++) meter.received();
};

/** Redis Streams with ioredis: a stream per type with the Go producers' `data` field, consumer groups. */
export function redisBench(urls: BrokerUrls): BrokerBench {
  return {
    name: 'redis',

    async publish(names, orders) {
      const redis = redisFor(urls.redisUrl, `${names.runId}-producer`);
      try {
        // XADD <stream> * data <json>, as the Go original does, pipelined a slice at a time.
        await inSlices(goEvents(orders), 1000, async (slice) => {
          const pipeline = redis.pipeline();
          for (const event of slice) pipeline.xadd(names.channel(event.type), '*', 'data', event.body);
          for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
        });
      } finally {
        redis.disconnect();
      }
    },

    // COUNT of half the window per stream (COUNT is per stream), then one XACK per stream for
    // the whole reply: read, ack in bulk, read again.
    raw: (names, meter, window) =>
      consuming(urls, names, meter, Math.max(1, Math.floor(window / BENCH_EVENT_TYPES.length)), async (redis, reply) => {
        receivedAll(meter, reply);
        await Promise.all(reply.map(([stream, entries]) => redis.xack(stream, names.group, ...entries.map(([id]) => id))));
        for (const [, entries] of reply) meter.acked.tick(entries.length);
      }),

    // A typical loop: read a few entries, handle and XACK each before the next.
    sequential: (names, meter, handlerMs) =>
      consuming(urls, names, meter, 10, async (redis, reply) => {
        for (const [stream, entries] of reply) {
          for (const [id] of entries) {
            meter.received();
            await sleep(handlerMs);
            await redis.xack(stream, names.group, id);
            meter.acked.tick();
          }
        }
      }),

    async cleanup(names) {
      // The run's streams, their groups and Orderly's `<stream>:dlq` streams all start with the prefix.
      const redis = redisFor(urls.redisUrl, `${names.runId}-cleanup`);
      try {
        await deleteKeysStartingWith(redis, names.channelPrefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}
