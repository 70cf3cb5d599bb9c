import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/gateways/redis/redisClusterBusCodec.js';
import { goProducers, publishPaidOrders, type Producer } from '../support/goProducers.js';
import { deleteRunKeys, storedOrders } from '../support/redisOrders.js';
import { runEnv } from '../support/runEnv.js';
import { killedBy, spawnOrderly, type SpawnedOrderly } from '../support/spawnOrderly.js';

/**
 * `kill -9` after a change is stored and before the hub bus has it (ORDERLY_TEST_CRASH_AT=
 * hub.before-publish), then a restart: every applied change still reaches the Redis hub bus, so
 * real-time clients on any instance see it. Its delivery was not acked; the redelivery is a
 * duplicate and announces the order's last changes again. Redis Streams in, the Redis store.
 */
const ORDERS = 200;
const redis = new Redis('redis://127.0.0.1:6379');
const processes: SpawnedOrderly[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const orderly of processes) await orderly.stop(1_000);
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await redis.quit();
}, 60_000);

describe('kill -9 before the hub bus has a change - redis streams, redis store, redis hub bus', () => {
  it('after a restart every change is on the bus', async () => {
    const run = `orderly-live-kill-${process.pid}-${Date.now().toString(36)}`;
    const { prefix, keyPrefix, env: base } = runEnv(run, 'redis');
    const env = {
      ...base,
      ORDERLY_HUB_BUS: 'redis',
      ORDERLY_REDIS_CLAIM_IDLE_MS: '2000', // what the killed process held comes back after 2 s, not 30
      ORDERLY_JOBS_GROUP: `${run}-jobs`,
      ORDERLY_EMAIL_OUTBOX_DIR: await mkdtemp(join(tmpdir(), 'orderly-live-kill-mail-')),
    };
    cleanups.push(() => rm(env.ORDERLY_EMAIL_OUTBOX_DIR, { recursive: true, force: true }));

    // What every instance's hub reads: the bus channel, from before the first process starts.
    const onBus = new Map<string, number>();
    const listener = new Redis('redis://127.0.0.1:6379');
    cleanups.push(async () => void (await listener.quit()));
    listener.on('message', (_channel: string, frame: string) => {
      const message = decodeFrame(frame);
      if (message?.id) onBus.set(message.id, (onBus.get(message.id) ?? 0) + 1);
    });
    await listener.subscribe(`${keyPrefix}hub:bus`);

    const first = await spawnOrderly({ ...env, ORDERLY_TEST_CRASH_AT: 'hub.before-publish:150' });
    processes.push(first);
    const producer: Producer = await goProducers.redis(prefix, env, run);
    cleanups.push(async () => {
      await producer.close();
      await deleteRunKeys(redis, keyPrefix, prefix);
    });
    const orderIds = Array.from({ length: ORDERS }, (_, i) => `${run}-${i}`);
    await publishPaidOrders(producer, orderIds);
    expect(await killedBy(first, 60_000)).toBe('SIGKILL');
    // Stored but never announced: the changes the kill took with it.
    const atCrash = await storedOrders(redis, keyPrefix, orderIds);
    const storedIds = [...atCrash.values()].flatMap((o) => o.history.map((h) => h.eventId));
    const missingAtCrash = storedIds.filter((id) => !onBus.has(id));
    expect(missingAtCrash.length).toBeGreaterThan(0);

    const second = await spawnOrderly(env);
    processes.push(second);
    const wanted = orderIds.flatMap((id) => [`${id}:created`, `${id}:paid`]);
    const deadline = Date.now() + 60_000;
    while (wanted.some((id) => !onBus.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(wanted.filter((id) => !onBus.has(id))).toEqual([]);
    // The ones lost in the kill are among them: announced again by their redelivery.
    for (const id of missingAtCrash) expect(onBus.has(id)).toBe(true);
    expect(await second.stop()).toBe(0);
  }, 150_000);
});
