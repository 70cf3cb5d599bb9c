import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../../src/actors/orderRecord.js';
import { compareAndSetOrder } from '../../../src/gateways/redis/compareAndSetOrder.js';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { orderHashCodec } from '../../../src/gateways/redis/orderHashCodec.js';
import { CorruptOrderRecordError } from '../../../src/gateways/redis/redisOrderStoreErrors.js';
import { refusedUrl } from './silentServer.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// The contract (redisOrderStore.contract.test.ts) covers what every store does; this is how the
// Redis one lays out its keys and what it does with data it did not write.
const keys = runKeyPrefix('store');
const { prefix } = keys;
let raw: Redis;
let counter = 0;
const unique = () => `o-${++counter}`;
const scanKeys = async (pattern: string) => {
  const found: string[] = [];
  for await (const batch of raw.scanStream({ match: pattern, count: 1000 })) found.push(...(batch as string[]));
  return found;
};
const record = (orderId: string, version = 1): OrderRecord => ({ ...emptyRecord(orderId), version, appliedIds: ['m-1'], status: 'pending' });

beforeAll(() => {
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  await raw.quit();
  await keys.deleteKeys();
});

describe('redis order store - behaviour', () => {
  it('keeps one hash per order: a version and the record as JSON a person can read', async () => {
    await using store = createRedisOrderStore({ redis: redisUrl, keyPrefix: `${prefix}layout:` });
    await store.save(record('ü/1'), 0);
    await store.save(record('ü/1', 2), 1);
    expect(await scanKeys(`${prefix}layout:*`)).toEqual([`${prefix}layout:order:ü/1`]);
    expect(await raw.hgetall(`${prefix}layout:order:ü/1`)).toEqual({ version: '2', record: JSON.stringify(record('ü/1', 2)) });
  });

  it('keeps a compact store deflated, and each kind of store reads what the other wrote', async () => {
    const id = unique();
    const key = `${prefix}order:${id}`;
    await using compact = createRedisOrderStore({ redis: redisUrl, keyPrefix: prefix, compact: true });
    await using plain = createRedisOrderStore({ redis: redisUrl, keyPrefix: prefix });
    const big = { ...record(id), appliedIds: Array.from({ length: 50 }, (_, i) => `message-${i}`) };
    await compact.save(big, 0);
    expect((await raw.hkeys(key)).sort()).toEqual(['recordDeflated', 'version']);
    expect((await raw.hgetBuffer(key, 'recordDeflated'))!.length).toBeLessThan(JSON.stringify(big).length / 3);
    expect(await plain.load(id)).toEqual(big);

    await plain.save({ ...big, version: 2 }, 1); // switching `compact` off on a live dataset
    expect((await raw.hkeys(key)).sort()).toEqual(['record', 'version']);
    await compact.save({ ...big, version: 3 }, 2); // and on again
    expect((await raw.hkeys(key)).sort()).toEqual(['recordDeflated', 'version']);
    expect(await plain.load(id)).toEqual({ ...big, version: 3 });
  });

  it('reports a hash it cannot read as CorruptOrderRecordError, not as missing', async () => {
    await using store = createRedisOrderStore({ redis: redisUrl, keyPrefix: prefix });
    const [garbled, orphanVersion, mismatched, wordVersion] = [unique(), unique(), unique(), unique()];
    await raw.hset(`${prefix}order:${garbled}`, 'version', '1', 'record', '{not json');
    await raw.hset(`${prefix}order:${orphanVersion}`, 'version', '1');
    await raw.hset(`${prefix}order:${mismatched}`, 'version', '7', 'record', JSON.stringify(record(mismatched, 1)));
    await raw.hset(`${prefix}order:${wordVersion}`, 'version', 'one');
    for (const id of [garbled, orphanVersion, mismatched]) {
      await expect(store.load(id)).rejects.toBeInstanceOf(CorruptOrderRecordError);
    }
    expect(await store.load(garbled).catch((error: Error) => error.cause)).toBeInstanceOf(SyntaxError);
    await expect(store.save(record(wordVersion), 0)).rejects.toBeInstanceOf(CorruptOrderRecordError);
    expect(await raw.hgetall(`${prefix}order:${wordVersion}`)).toEqual({ version: 'one' });
  });

  it('checks the new version before it talks to Redis', async () => {
    // Nothing listens on this URL: a call that reached for Redis would fail differently.
    await using store = createRedisOrderStore({ redis: await refusedUrl(), keyPrefix: prefix });
    await expect(store.save(record(unique(), 3), 1)).rejects.toThrow(/new version must be 2, got 3/);
    await expect(store.save(record(unique(), 0), -1)).rejects.toThrow(RangeError);
    await expect(store.save(record(unique(), 2.5), 1.5)).rejects.toThrow(RangeError);
  });

  it('sends the script itself only when Redis has not cached it, and nothing else twice', async () => {
    const id = unique();
    const write = orderHashCodec(false).encode(record(id));
    const calls: string[] = [];
    const noScript = {
      evalsha: async () => {
        calls.push('evalsha');
        throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      },
      eval: (...args: Parameters<Redis['eval']>) => (calls.push('eval'), raw.eval(...args)),
    } as unknown as Redis;
    expect(await compareAndSetOrder(noScript, `${prefix}order:${id}`, 0, 1, write)).toEqual({ kind: 'written' });
    expect(calls).toEqual(['evalsha', 'eval']);

    const failing = { ...noScript, evalsha: async () => Promise.reject(new Error('LOADING Redis is loading')) } as unknown as Redis;
    calls.length = 0;
    await expect(compareAndSetOrder(failing, `${prefix}order:${id}`, 1, 2, write)).rejects.toThrow('LOADING');
    expect(calls).toEqual([]);
    expect(await raw.hget(`${prefix}order:${id}`, 'version')).toBe('1');
  });
});
