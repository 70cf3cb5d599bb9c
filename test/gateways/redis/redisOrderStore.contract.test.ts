import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { orderStoreContract } from '../../contract/orderStoreContract.js';

// The Redis of this machine is shared: every key lives under a prefix unique to the run and is
// deleted afterwards (never FLUSHALL).
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `orderly-test-${process.pid}-${Date.now().toString(36)}:`;
let counter = 0;

orderStoreContract('redis order store', async () => createRedisOrderStore({ redis: url, keyPrefix }), () => `o-${++counter}`);

describe('redis order store - connection', () => {
  it('leaves a connection it was given open, and closes one it made', async () => {
    const shared = new Redis(url);
    const borrowing = createRedisOrderStore({ redis: shared, keyPrefix });
    await borrowing.close();
    expect(await shared.ping()).toBe('PONG');
    await shared.quit();

    const owning = createRedisOrderStore({ redis: url, keyPrefix });
    await owning.load('nothing');
    await owning.close();
    await owning.close(); // idempotent
  });
});

afterAll(async () => {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});
