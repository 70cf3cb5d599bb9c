import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisDeadLetterStore } from '../../../src/gateways/redis/createRedisDeadLetterStore.js';
import { RedisStoreOptionsError } from '../../../src/gateways/redis/redisStoreOptions.js';
import { deadLetterEntry, deadLetterStoreContract } from '../../contract/deadLetterStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: every test opens a store under a prefix of its own (fresh
// state), all under this run's prefix, deleted afterwards.
const keys = runKeyPrefix('dlq-contract');
let stores = 0;

deadLetterStoreContract('redis dead-letter store', {
  open: async (options) => createRedisDeadLetterStore({ redis: redisUrl, keyPrefix: `${keys.prefix}${++stores}:`, ...options }),
});

describe('redis dead-letter store - keys', () => {
  it('writes only under its prefix, and a delete leaves no key behind', async () => {
    const prefix = `${keys.prefix}keys:`;
    const store = createRedisDeadLetterStore({ redis: redisUrl, keyPrefix: prefix });
    const probe = new Redis(redisUrl);
    try {
      const entry = deadLetterEntry(1, { id: 'k-1', orderKey: 'o-k', eventType: 'order.shipped' });
      await store.add(entry);
      expect((await probe.keys(`${prefix}*`)).sort()).toEqual(
        [`${prefix}dlq:by-order:o-k`, `${prefix}dlq:by-reason:max-attempts`, `${prefix}dlq:by-type:order.shipped`, `${prefix}dlq:entry:k-1`, `${prefix}dlq:index`].sort(),
      );
      await store.delete(entry.id);
      expect(await probe.keys(`${prefix}*`)).toEqual([]);
    } finally {
      await store.close();
      await probe.quit();
    }
  });

  it('refuses a bound that is not a positive integer before connecting', () => {
    expect(() => createRedisDeadLetterStore({ redis: redisUrl, maxEntries: 0 })).toThrow(RedisStoreOptionsError);
  });
});

afterAll(() => keys.deleteKeys());
