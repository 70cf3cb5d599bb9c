import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll } from 'vitest';
import { createRedisTaskStore } from '../../../src/gateways/redis/createRedisTaskStore.js';
import { taskStoreContract } from '../../contract/taskStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: every key under a prefix for this run, deleted afterwards. Key
// expiry runs on Redis' own clock, so the retention test really waits (a short retention).
const keys = runKeyPrefix('task-contract');
let counter = 0;

taskStoreContract('redis task store', {
  open: async ({ retentionMs }) => createRedisTaskStore({ redis: redisUrl, keyPrefix: keys.prefix, retentionMs }),
  passTime: (ms) => sleep(ms),
  retentionMs: 300,
  unique: () => `t-${++counter}`,
});

afterAll(() => keys.deleteKeys());
