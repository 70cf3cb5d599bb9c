import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { createRedisDedupStore } from '../../../src/gateways/redis/createRedisDedupStore.js';
import { dedupStoreContract } from '../../contract/dedupStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: every key under a prefix for this run, deleted afterwards. Ttls
// run on Redis' own clock, so the ttl test really waits (a short ttl).
const keys = runKeyPrefix('dedup-contract');
let counter = 0;

dedupStoreContract('redis dedup store', {
  open: async () => createRedisDedupStore({ redis: redisUrl, keyPrefix: keys.prefix }),
  passTime: (ms) => sleep(ms),
  ttlMs: 600,
  unique: () => `m-${++counter}`,
});

afterAll(() => keys.deleteKeys());
