import { describe, expect, it } from 'vitest';
import { createRedisListGateway, RedisListOptionsError, type RedisListOptions } from '../../../src/gateways/redis/createRedisListGateway.js';
import { resolveRedisListOptions } from '../../../src/gateways/redis/redisListOptions.js';

describe('redis list gateway - options', () => {
  it('defaults to the queue: prefix the Go producers use, and a 30 s liveness', () => {
    expect(resolveRedisListOptions()).toEqual({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'queue:',
      staleAfterMs: 30_000,
      janitorIntervalMs: 15_000,
      blockMs: 500,
      janitorBatch: 100,
      closeTimeoutMs: 5_000,
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ['a URL without a scheme', { url: '127.0.0.1:6379' }, /url must be/],
    ['a prefix that is not a string', { keyPrefix: 1 }, /keyPrefix must be a string/],
    ['a zero liveness', { staleAfterMs: 0 }, /staleAfterMs/],
    ['an endless janitor interval', { janitorIntervalMs: Infinity }, /janitorIntervalMs/],
    ['a BLMOVE that would block forever', { blockMs: 0 }, /blockMs/],
    ['a fractional janitor batch', { janitorBatch: 1.5 }, /janitorBatch/],
    ['an unbounded janitor batch', { janitorBatch: 1e9 }, /janitorBatch/],
    ['a negative close timeout', { closeTimeoutMs: -1 }, /closeTimeoutMs/],
  ];
  it.each(bad)('refuses %s with RedisListOptionsError', (_, options, message) => {
    const create = () => createRedisListGateway(options as RedisListOptions);
    expect(create).toThrow(RedisListOptionsError);
    expect(create).toThrow(message);
  });

  it('refuses a consume without channels or with a credit that is not a positive integer', async () => {
    await using gateway = createRedisListGateway();
    for (const [channels, credit] of [[[], 1], [['a'], 0], [['a'], 2.5]] as const) {
      const error = await new Promise((resolve) => gateway.consume({ channels, group: 'g', credit }).subscribe({ error: resolve }));
      expect(error).toBeInstanceOf(RedisListOptionsError);
    }
  });
});
