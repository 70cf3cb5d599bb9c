import { afterAll } from 'vitest';
import { createRedisOrderStore } from '../../../src/gateways/redis/createRedisOrderStore.js';
import { orderStoreContract } from '../../contract/orderStoreContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the machine's Redis: every key under a prefix for this run, deleted afterwards.
const keys = runKeyPrefix('store-contract');
let counter = 0;
const unique = () => `o-${++counter}`;

orderStoreContract('redis order store (plain)', async () => createRedisOrderStore({ redis: redisUrl, keyPrefix: keys.prefix }), unique);
orderStoreContract('redis order store (compact)', async () => createRedisOrderStore({ redis: redisUrl, keyPrefix: keys.prefix, compact: true }), unique);

afterAll(() => keys.deleteKeys());
