import { createMemoryOrderStore } from '../../../src/gateways/memory/index.js';
import { orderStoreContract } from '../../contract/orderStoreContract.js';

let counter = 0;
orderStoreContract('memory order store (compact)', async () => createMemoryOrderStore({ compact: true }), () => `o-${++counter}`);
orderStoreContract('memory order store (plain)', async () => createMemoryOrderStore({ compact: false }), () => `o-${++counter}`);
