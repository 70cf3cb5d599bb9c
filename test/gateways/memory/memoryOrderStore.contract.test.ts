import { createMemoryOrderStore } from '../../../src/gateways/memory/index.js';
import { orderStoreContract } from '../../contract/orderStoreContract.js';

let counter = 0;
orderStoreContract('memory order store (compact)', async (options = {}) => createMemoryOrderStore({ compact: true, ...options }), () => `o-${++counter}`);
orderStoreContract('memory order store (plain)', async (options = {}) => createMemoryOrderStore({ compact: false, ...options }), () => `o-${++counter}`);
