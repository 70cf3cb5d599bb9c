import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import {
  RedisOrderStoreOptionsError,
  resolveRedisOrderStoreOptions,
  type RedisOrderStoreOptions,
} from '../../../src/gateways/redis/redisOrderStoreOptions.js';
import { redisUrl } from './runKeyPrefix.js';

describe('redis order store - options', () => {
  it('defaults to the orderly: prefix, plain JSON, five-second deadlines and a 100,000-event outbox', () => {
    expect(resolveRedisOrderStoreOptions({ redis: redisUrl })).toEqual({
      redis: redisUrl,
      keyPrefix: 'orderly:',
      compact: false,
      commandTimeoutMs: 5_000,
      closeTimeoutMs: 5_000,
      maxOutboxPending: 100_000,
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ['no redis', {}, /redis must be/],
    ['a host without a scheme', { redis: '127.0.0.1:6379' }, /redis:\/\/ or rediss:\/\/ URL/],
    ['an empty URL', { redis: 'redis://' }, /redis:\/\/ or rediss:\/\/ URL/],
    ['something that is not a client', { redis: { get: () => undefined } }, /ioredis client/],
    ['a key prefix that is not a string', { redis: redisUrl, keyPrefix: 7 }, /keyPrefix must be a string/],
    ['compact that is not a boolean', { redis: redisUrl, compact: 'yes' }, /compact must be a boolean/],
    ['a zero command timeout', { redis: redisUrl, commandTimeoutMs: 0 }, /commandTimeoutMs must be a positive number/],
    ['an endless close', { redis: redisUrl, closeTimeoutMs: Infinity }, /closeTimeoutMs must be a positive number/],
    ['a close timeout that is not a number', { redis: redisUrl, closeTimeoutMs: NaN }, /closeTimeoutMs/],
  ];
  it.each(bad)('refuses %s with RedisOrderStoreOptionsError', (_, options, message) => {
    const create = () => createRedisOrderStore(options as RedisOrderStoreOptions);
    expect(create).toThrow(RedisOrderStoreOptionsError);
    expect(create).toThrow(message);
  });

  it('refuses a command timeout for a client it does not own', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    try {
      expect(() => createRedisOrderStore({ redis: client, commandTimeoutMs: 1_000 })).toThrow(RedisOrderStoreOptionsError);
    } finally {
      client.disconnect();
    }
  });
});
