import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDedupStore } from '../../../src/gateways/redis/createRedisDedupStore.js';
import { createRedisTaskStore } from '../../../src/gateways/redis/createRedisTaskStore.js';
import { CorruptTaskRecordError } from '../../../src/gateways/redis/redisStoreErrors.js';
import { RedisStoreOptionsError } from '../../../src/gateways/redis/redisStoreOptions.js';
import { newTask } from '../../contract/taskStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// What only the Redis stores have: their keys, their expiries, what they do with a key they did not write.
const keys = runKeyPrefix('task-layout');
const keyPrefix = keys.prefix;
const at = '2026-01-01T00:00:01.000Z';
let raw: Redis;
let counter = 0;
const unique = () => `t-${++counter}`;

beforeAll(() => {
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  await raw.quit();
  await keys.deleteKeys();
});

describe('redis task and dedup stores - keys', () => {
  it('keeps a task in one hash: its version, and its record without the version', async () => {
    await using store = createRedisTaskStore({ redis: redisUrl, keyPrefix });
    const id = unique();
    await store.create(newTask(id));
    await store.update(id, 1, { status: 'running', updatedAt: at });
    const hash = await raw.hgetall(`${keyPrefix}task:${id}`);
    expect(hash.version).toBe('2');
    expect(JSON.parse(hash.record!)).toEqual({ ...newTask(id), status: 'running', updatedAt: at, version: undefined });
  });

  it('sets the retention as a key expiry when a task finishes, and takes it off when it is retried', async () => {
    await using store = createRedisTaskStore({ redis: redisUrl, keyPrefix, retentionMs: 60_000 });
    const id = unique();
    const key = `${keyPrefix}task:${id}`;
    await store.create(newTask(id));
    expect(await raw.pttl(key)).toBe(-1); // active: no expiry
    await store.update(id, 1, { status: 'running', updatedAt: at });
    await store.update(id, 2, { status: 'failed', updatedAt: at });
    const pttl = await raw.pttl(key);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await store.update(id, 3, { status: 'queued', updatedAt: at });
    expect(await raw.pttl(key)).toBe(-1);
  });

  it('keeps ids with lone surrogates apart, under a namespace of their own', async () => {
    await using store = createRedisDedupStore({ redis: redisUrl, keyPrefix });
    const [a, b] = [`${unique()}\uD800`, `${unique()}\uD800`];
    expect(await store.claim(a, 60_000)).toBe(true);
    expect(await store.claim(b, 60_000)).toBe(true);
    expect(await raw.exists(`${keyPrefix}dedup~utf16:${Buffer.from(a, 'utf16le').toString('base64')}`)).toBe(1);
  });
});

describe('redis task store - keys it did not write', () => {
  it.each([
    [{ version: 'x', record: '{}' }, /version/],
    [{ version: '1' }, /no record/],
    [{ version: '1', record: 'not json' }, /not JSON/],
  ])('names a corrupt task %o', async (hash, message) => {
    await using store = createRedisTaskStore({ redis: redisUrl, keyPrefix });
    const id = unique();
    await raw.hset(`${keyPrefix}task:${id}`, hash);
    const error = await store.get(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptTaskRecordError);
    expect(error).toMatchObject({ taskId: id, message: expect.stringMatching(message) });
  });

  it('refuses to create over a key someone else wrote', async () => {
    await using store = createRedisTaskStore({ redis: redisUrl, keyPrefix });
    const id = unique();
    await raw.hset(`${keyPrefix}task:${id}`, { other: 'x' });
    await expect(store.create(newTask(id))).rejects.toMatchObject({ name: 'TaskExistsError' });
  });
});

describe('redis task and dedup stores - options', () => {
  it.each([
    [{ redis: 'http://x' }, /redis:\/\//],
    [{ redis: {} }, /ioredis client/],
    [{ redis: redisUrl, keyPrefix: 1 }, /keyPrefix/],
    [{ redis: redisUrl, commandTimeoutMs: 0 }, /commandTimeoutMs/],
    [{ redis: redisUrl, closeTimeoutMs: 1.5 }, /closeTimeoutMs/],
    [{ redis: redisUrl, retentionMs: -1 }, /retentionMs/],
  ])('refuses %o before connecting', (options, message) => {
    expect(() => createRedisTaskStore(options as never)).toThrow(RedisStoreOptionsError);
    expect(() => createRedisTaskStore(options as never)).toThrow(message);
  });

  it('refuses a command timeout for a borrowed client, whose own settings apply', () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    expect(() => createRedisDedupStore({ redis: client, commandTimeoutMs: 100 })).toThrow(RedisStoreOptionsError);
    client.disconnect();
  });
});
