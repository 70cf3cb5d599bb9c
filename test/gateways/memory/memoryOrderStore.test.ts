import { describe, expect, it } from 'vitest';
import { emptyRecord } from '../../../src/actors/orderRecord.js';
import { createMemoryOrderStore, OrderStoreFullError } from '../../../src/gateways/memory/index.js';

// The behaviour every store shares is in memoryOrderStore.contract.test.ts; this is what only the embedded one has.
describe('memory order store - bounds', () => {
  it('refuses a new order past maxOrders and still updates the ones it has', async () => {
    const store = createMemoryOrderStore({ maxOrders: 1 });
    await store.save({ ...emptyRecord('o1'), version: 1 }, 0);
    await expect(store.save({ ...emptyRecord('o2'), version: 1 }, 0)).rejects.toBeInstanceOf(OrderStoreFullError);
    await store.save({ ...emptyRecord('o1'), version: 2 }, 1);
    expect(store.size).toBe(1);
  });
});
