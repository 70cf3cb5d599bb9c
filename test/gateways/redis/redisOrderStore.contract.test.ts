import { afterAll } from 'vitest';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { orderStoreContract, type OpenOptions } from '../../contract/orderStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: every key under a prefix for this run, deleted afterwards.
const keys = runKeyPrefix('store-contract');
let counter = 0;
const unique = () => `o-${++counter}`;
// Orders share the run's prefix; each store opened gets an outbox of its own (the outbox keys are one per prefix).
let stores = 0;
const open = (compact: boolean) => async (options: OpenOptions = {}) =>
  createRedisOrderStore({ redis: redisUrl, keyPrefix: `${keys.prefix}${++stores}:`, compact, ...options });

orderStoreContract('redis order store (plain)', open(false), unique);
orderStoreContract('redis order store (compact)', open(true), unique);

afterAll(() => keys.deleteKeys());
