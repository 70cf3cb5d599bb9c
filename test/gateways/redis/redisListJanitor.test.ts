import { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisListGateway } from '../../../src/gateways/redis/createRedisListGateway.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import type { BrokerGateway } from '../../../src/streams/brokerGateway.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';
import { tcpProxy } from './tcpProxy.js';

// Consumers that go away without a word: their processing lists come back through another
// consumer's janitor, and only theirs. Real Redis, keys under a prefix for this run.
const keys = runKeyPrefix('list-janitor');
const { prefix } = keys;
const fast = { keyPrefix: prefix, staleAfterMs: 300, janitorIntervalMs: 100, blockMs: 100, closeTimeoutMs: 500 };
let raw: Redis;
let counter = 0;
const channel = () => `janitor-${++counter}`;
const text = (d: Delivery) => Buffer.from(d.message.body).toString('utf8');

function consume(gateway: BrokerGateway, channels: string[], credit = 1) {
  const deliveries: Delivery[] = [];
  let error: unknown;
  const subscription: Subscription = gateway.consume({ channels, group: 'ignored', credit }).subscribe({
    next: (d) => deliveries.push(d),
    error: (e: unknown) => (error = e),
  });
  return { deliveries, subscription, failed: () => error };
}

beforeAll(() => {
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  await raw.quit();
  await keys.deleteKeys();
});

/** Entries held in any consumer's processing list of `ch`: what is taken and not yet settled. */
async function heldInProcessing(ch: string): Promise<number> {
  let held = 0;
  for (const key of await raw.keys(`${prefix}${ch}:processing:*`)) held += await raw.llen(key);
  return held;
}

describe('redis list gateway - janitor', () => {
  it('puts back what a consumer that died held, and another consumer gets it as a new attempt', async () => {
    const ch = channel();
    const proxy = await tcpProxy(redisUrl);
    const dying = createRedisListGateway({ ...fast, url: proxy.url });
    await using survivor = createRedisListGateway({ ...fast, url: redisUrl });
    await survivor.publish(ch, { body: Buffer.from('orphan'), headers: { 'message-id': 'm-1' }, key: 'o-1' });
    const doomed = consume(dying, [ch]);
    await expect.poll(() => doomed.deliveries.length).toBe(1);
    // The only consumer of the list so far is the doomed one: its processing list holds the entry.
    const [doomedId = ''] = await raw.smembers(`${prefix}${ch}:consumers`);
    const processing = `${prefix}${ch}:processing:${doomedId}`;
    expect(await raw.llen(processing)).toBe(1);

    const rescuer = consume(survivor, [ch]);
    expect(await raw.llen(`${prefix}${ch}`)).toBe(0); // nothing for the rescuer while the owner lives
    await proxy.cut(); // the host is gone: no unsubscribe, no hand-back, no more heartbeats

    await expect.poll(() => rescuer.deliveries.length, { timeout: 5_000 }).toBe(1);
    const rescued = rescuer.deliveries[0]!;
    expect(text(rescued)).toBe('orphan');
    expect(rescued.message).toMatchObject({ key: 'o-1', headers: { 'message-id': 'm-1' } });
    expect(rescued.origin.attempt).toBe(2);
    expect(await raw.exists(processing)).toBe(0);
    expect(await raw.sismember(`${prefix}${ch}:consumers`, doomedId)).toBe(0);
    await rescued.ack();
    expect(await heldInProcessing(ch)).toBe(0);

    doomed.subscription.unsubscribe();
    rescuer.subscription.unsubscribe();
    const started = Date.now();
    await dying.close(); // its Redis is unreachable: close gives up within its deadlines
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('leaves a live consumer’s entries alone however long its handler takes', async () => {
    const ch = channel();
    await using a = createRedisListGateway({ ...fast, url: redisUrl });
    await using b = createRedisListGateway({ ...fast, url: redisUrl });
    await a.publish(ch, { body: Buffer.from('slow'), headers: {}, key: 'o-2' });
    const holder = consume(a, [ch]);
    await expect.poll(() => holder.deliveries.length).toBe(1);
    const other = consume(b, [ch]);
    // Ten times the liveness TTL, with the other's janitor running every 100 ms.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(other.deliveries).toHaveLength(0);
    await holder.deliveries[0]!.ack();
    expect(await heldInProcessing(ch)).toBe(0);
    holder.subscription.unsubscribe();
    other.subscription.unsubscribe();
  });

  it('cleans up after itself: unsubscribing and closing leave no processing list, liveness key or registry entry', async () => {
    const ch = channel();
    const gateway = createRedisListGateway({ ...fast, url: redisUrl });
    await gateway.publish(ch, { body: Buffer.from('held'), headers: {}, key: 'o-3' });
    const c = consume(gateway, [ch]);
    await expect.poll(() => c.deliveries.length).toBe(1);
    c.subscription.unsubscribe();
    await gateway.close();
    const left: string[] = [];
    for await (const found of raw.scanStream({ match: `${prefix}${ch}*`, count: 1000 })) left.push(...(found as string[]));
    expect(left).toEqual([`${prefix}${ch}`]); // only the list, with the entry back in it
    expect(await raw.lrange(`${prefix}${ch}`, 0, -1)).toHaveLength(1);
  });
});
