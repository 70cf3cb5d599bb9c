import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../../src/actors/orderRecord.js';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { RedisOrderStoreClosedError, RedisOrderStoreError } from '../../../src/gateways/redis/redisOrderStoreErrors.js';
import { refusedUrl, silentServer } from './silentServer.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

const keys = runKeyPrefix('store-lifecycle');
const keyPrefix = keys.prefix;
let raw: Redis;
let counter = 0;
const unique = () => `o-${++counter}`;
const record = (orderId: string, version = 1): OrderRecord => ({ ...emptyRecord(orderId), version });
/** The URL with a connection name this test can find in `CLIENT LIST`. */
const namedUrl = (name: string) => {
  const url = new URL(redisUrl);
  url.searchParams.set('connectionName', name);
  return url.toString();
};
const connectedNamed = async (name: string) => String(await raw.client('LIST')).includes(` name=${name} `);

beforeAll(() => {
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  await raw.quit();
  await keys.deleteKeys();
});

describe('redis order store - lifecycle', () => {
  it('closes the connection it made from a URL, once however often it is asked', async () => {
    const name = `orderly-test-${randomBytes(4).toString('hex')}`;
    const store = createRedisOrderStore({ redis: namedUrl(name), keyPrefix });
    expect(await connectedNamed(name)).toBe(false); // lazy: nothing before the first command
    await store.save(record(unique()), 0);
    expect(await connectedNamed(name)).toBe(true);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    await expect.poll(() => connectedNamed(name)).toBe(false);
    await expect(store.load(unique())).rejects.toBeInstanceOf(RedisOrderStoreClosedError);
  });

  it('closes a store that was never used at once, without connecting', async () => {
    const name = `orderly-test-${randomBytes(4).toString('hex')}`;
    const store = createRedisOrderStore({ redis: namedUrl(name), keyPrefix });
    await store[Symbol.asyncDispose]();
    expect(await connectedNamed(name)).toBe(false);
  });

  it('leaves a borrowed client open and as it was, and refuses work once closed', async () => {
    const client = new Redis(redisUrl);
    try {
      await client.ping();
      const before = Object.keys(client).sort();
      const id = unique();
      {
        await using store = createRedisOrderStore({ redis: client, keyPrefix });
        await store.save(record(id), 0);
        await store.close();
        await expect(store.save(record(id, 2), 1)).rejects.toBeInstanceOf(RedisOrderStoreClosedError);
      }
      expect(await client.ping()).toBe('PONG');
      expect(Object.keys(client).sort()).toEqual(before); // no command defined on it
      expect(await client.hget(`${keyPrefix}order:${id}`, 'version')).toBe('1');
    } finally {
      await client.quit();
    }
  });

  it('lets the saves in flight finish before it closes', async () => {
    const store = createRedisOrderStore({ redis: redisUrl, keyPrefix });
    const ids = Array.from({ length: 20 }, unique);
    const saves = ids.map((id) => store.save(record(id), 0));
    await store.close();
    await expect(Promise.all(saves)).resolves.toHaveLength(20);
    expect(await raw.hget(`${keyPrefix}order:${ids[19]}`, 'version')).toBe('1');
  });

  it('stops waiting for a borrowed client after closeTimeoutMs', async () => {
    const client = new Redis(redisUrl);
    try {
      const store = createRedisOrderStore({ redis: client, keyPrefix, closeTimeoutMs: 100 });
      const blocker = client.blpop(`${keyPrefix}never-pushed`, 1); // holds the connection for a second
      const load = store.load(unique());
      const started = Date.now();
      await store.close();
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(Date.now() - started).toBeLessThan(800);
      await expect(load).resolves.toBeUndefined(); // the client is the caller's: its command goes on
      await blocker;
    } finally {
      await client.quit();
    }
  });

  it('drops its own connection to a Redis that does not answer, within closeTimeoutMs', async () => {
    const server = await silentServer();
    try {
      const store = createRedisOrderStore({ redis: server.url, keyPrefix, closeTimeoutMs: 150, commandTimeoutMs: 60_000 });
      const load = store.load(unique());
      await expect.poll(() => server.openSockets()).toBe(1);
      const started = Date.now();
      await store.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      const error = await load.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisOrderStoreError);
      expect(error).toMatchObject({ operation: 'load', cause: expect.any(Error) });
      await expect.poll(() => server.openSockets()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('rejects a command Redis does not answer within commandTimeoutMs', async () => {
    const server = await silentServer();
    try {
      await using store = createRedisOrderStore({ redis: server.url, keyPrefix, commandTimeoutMs: 150, closeTimeoutMs: 100 });
      const id = unique();
      const error = await store.save(record(id), 0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisOrderStoreError);
      expect(error).toMatchObject({ operation: 'save', orderId: id, message: expect.stringMatching(/timed out/i) });
    } finally {
      await server.close();
    }
  });

  it('rejects promptly with RedisOrderStoreError when Redis cannot be reached, and still closes', async () => {
    await using store = createRedisOrderStore({ redis: await refusedUrl(), keyPrefix });
    const started = Date.now();
    const error = await store.save(record(unique()), 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisOrderStoreError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
