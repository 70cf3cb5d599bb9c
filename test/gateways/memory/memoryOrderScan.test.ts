import { describe, expect, it } from 'vitest';
import { createMemoryOrderStore, OrderStoreFullError } from '../../../src/gateways/memory/index.js';
import { orderRecord } from '../../actors/jobs/orderFixtures.js';

describe('embedded order store - scan', () => {
  it('scans every stored order once, at its latest version', async () => {
    const store = createMemoryOrderStore({ maxOrders: 2 });
    await store.save(orderRecord('o-1', 'pending'), 0);
    await store.save({ ...orderRecord('o-1', 'paid'), version: 2 }, 1);
    await store.save(orderRecord('o-2', 'pending'), 0);
    await expect(store.save(orderRecord('o-3', 'pending'), 0)).rejects.toBeInstanceOf(OrderStoreFullError);
    const seen = [];
    for await (const record of store.scan()) seen.push([record.orderId, record.status]);
    expect(seen).toEqual([['o-1', 'paid'], ['o-2', 'pending']]);
    expect(store.size).toBe(2);
  });
});
