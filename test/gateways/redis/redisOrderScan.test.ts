import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisOrderScan } from '../../../src/gateways/redis/createRedisOrderScan.js';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { orderRecord } from '../../actors/jobs/orderFixtures.js';
import { keysOf } from '../../support/redisOrders.js';

// The machine's shared Redis; every key is under a prefix unique to the run (with a glob
// character in it, which SCAN MATCH must take literally) and deleted afterwards.
const keyPrefix = `orderly-test:scan-${process.pid}-${Date.now().toString(36)}[x]:`;
const redis = new Redis('redis://127.0.0.1:6379');

afterAll(async () => {
  const keys = await keysOf(redis, `${keyPrefix.replace(/[[\]]/g, (c) => `\\${c}`)}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('redis order store - scan', () => {
  it('reads every order of the prefix, in both stored forms, skipping other keys and other types', async () => {
    const plain = createRedisOrderStore({ redis: 'redis://127.0.0.1:6379', keyPrefix, compact: false });
    const compact = createRedisOrderStore({ redis: 'redis://127.0.0.1:6379', keyPrefix, compact: true });
    for (let i = 0; i < 30; i++) await (i % 2 ? plain : compact).save(orderRecord(`o-${i}`, 'paid'), 0);
    await redis.set(`${keyPrefix}order:not-a-hash`, 'x');
    await redis.set(`${keyPrefix}task:t-1`, 'x');
    const scan = createRedisOrderScan({ redis: 'redis://127.0.0.1:6379', keyPrefix, batchSize: 7 });
    const ids: string[] = [];
    for await (const record of scan.scan()) ids.push(record.orderId);
    expect(ids.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `o-${i}`).sort());
    await scan.close();
    await plain.close();
    await compact.close();
  });
});
