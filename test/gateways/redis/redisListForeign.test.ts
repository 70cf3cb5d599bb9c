import { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisListGateway } from '../../../src/gateways/redis/createRedisListGateway.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import type { BrokerGateway } from '../../../src/streams/brokerGateway.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// What the Go original does: `LPUSH queue:order.created <json>`, and Orderly reads it. The run's
// prefix stands in for `queue:` so the machine's shared Redis is left as it was.
const keys = runKeyPrefix('list-foreign');
const { prefix } = keys;
let raw: Redis;
let gateway: BrokerGateway;
let counter = 0;
const channel = () => `order.created-${++counter}`;
const text = (d: Delivery) => Buffer.from(d.message.body).toString('utf8');

function consume(channels: string[], credit = 5) {
  const deliveries: Delivery[] = [];
  const subscription: Subscription = gateway.consume({ channels, group: 'any', credit }).subscribe({ next: (d) => deliveries.push(d) });
  return { deliveries, subscription };
}

beforeAll(() => {
  raw = new Redis(redisUrl);
  gateway = createRedisListGateway({ url: redisUrl, keyPrefix: prefix, blockMs: 100 });
});
afterAll(async () => {
  await gateway.close();
  await raw.quit();
  await keys.deleteKeys();
});

/** Entries held in any consumer's processing list of `ch`: what is taken and not yet settled. */
async function heldInProcessing(ch: string): Promise<number> {
  let held = 0;
  for (const key of await raw.keys(`${prefix}${ch}:processing:*`)) held += await raw.llen(key);
  return held;
}

describe('redis list gateway - foreign producers', () => {
  it('delivers a plain JSON LPUSH as a bare body, in order, from the channel it was pushed to', async () => {
    const ch = channel();
    const events = [1, 2, 3].map((n) => JSON.stringify({ id: `evt-${n}`, type: 'order.created', orderId: 'o-1' }));
    for (const event of events) await raw.lpush(`${prefix}${ch}`, event);
    const c = consume([ch]);
    await expect.poll(() => c.deliveries.length).toBe(3);
    expect(c.deliveries.map(text)).toEqual(events);
    for (const d of c.deliveries) {
      expect(d.message.headers).toEqual({});
      expect(d.message.key).toBeUndefined();
      expect(d.origin).toMatchObject({ gateway: 'redis-list', channel: ch, attempt: 1 });
    }
    await Promise.all(c.deliveries.map((d) => d.ack()));
    expect(await raw.exists(`${prefix}${ch}`)).toBe(0);
    expect(await heldInProcessing(ch)).toBe(0);
    c.subscription.unsubscribe();
  });

  it('delivers a structured CloudEvent and bytes that are not UTF-8 exactly as pushed', async () => {
    const ch = channel();
    const cloudEvent = JSON.stringify({ specversion: '1.0', id: 'e-1', source: 'go', type: 'order.created', data: { orderId: 'o-2' } });
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x4f]);
    await raw.lpush(`${prefix}${ch}`, cloudEvent, bytes);
    const c = consume([ch]);
    await expect.poll(() => c.deliveries.length).toBe(2);
    expect(text(c.deliveries[0]!)).toBe(cloudEvent);
    expect(Buffer.from(c.deliveries[1]!.message.body).equals(bytes)).toBe(true);
    expect(c.deliveries.map((d) => d.message.headers)).toEqual([{}, {}]);
    await Promise.all(c.deliveries.map((d) => d.ack()));
    c.subscription.unsubscribe();
  });

  it('counts a retry of a bare body and still delivers it bare', async () => {
    const ch = channel();
    await raw.lpush(`${prefix}${ch}`, '{"id":"evt-r"}');
    const c = consume([ch], 1);
    await expect.poll(() => c.deliveries.length).toBe(1);
    await c.deliveries[0]!.retry(0);
    await expect.poll(() => c.deliveries.length).toBe(2);
    expect(text(c.deliveries[1]!)).toBe('{"id":"evt-r"}');
    expect(c.deliveries[1]!.message.headers).toEqual({});
    expect(c.deliveries[1]!.origin.attempt).toBe(2);
    await c.deliveries[1]!.ack();
    c.subscription.unsubscribe();
  });

  it('writes its own entries in the documented wrapper, and reads a look-alike that is not one as a bare body', async () => {
    const ch = channel();
    await gateway.publish(ch, { body: Buffer.from('{"id":"own"}'), headers: { correlation_id: 'c-1' }, key: 'o-3' });
    expect(await raw.lrange(`${prefix}${ch}`, 0, -1)).toEqual([
      'ORDERLY/1 {"key":"o-3","headers":{"correlation_id":"c-1"},"body":"{\\"id\\":\\"own\\"}"}',
    ]);
    await raw.lpush(`${prefix}${ch}`, 'ORDERLY/1 {"body":7}'); // not a wrapper: body must be a string
    const c = consume([ch]);
    await expect.poll(() => c.deliveries.length).toBe(2);
    expect(c.deliveries[0]!.message).toMatchObject({ key: 'o-3', headers: { correlation_id: 'c-1' } });
    expect(text(c.deliveries[0]!)).toBe('{"id":"own"}');
    expect(text(c.deliveries[1]!)).toBe('ORDERLY/1 {"body":7}');
    expect(c.deliveries[1]!.message.headers).toEqual({});
    await Promise.all(c.deliveries.map((d) => d.ack()));
    c.subscription.unsubscribe();
  });

  it('ignores the group: consumers of different groups compete for one list', async () => {
    const ch = channel();
    const a = gateway.consume({ channels: [ch], group: 'a', credit: 5 });
    const b = gateway.consume({ channels: [ch], group: 'b', credit: 5 });
    const got: Delivery[] = [];
    const subs = [a.subscribe((d) => got.push(d)), b.subscribe((d) => got.push(d))];
    await raw.lpush(`${prefix}${ch}`, 'only-once');
    await expect.poll(() => got.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toHaveLength(1);
    await got[0]!.ack();
    for (const s of subs) s.unsubscribe();
  });
});
