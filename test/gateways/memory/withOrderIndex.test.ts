import { describe, expect, it } from 'vitest';
import { createMemoryOrderStore, OrderStoreFullError } from '../../../src/gateways/memory/index.js';
import { withOrderIndex } from '../../../src/gateways/memory/withOrderIndex.js';
import { orderRecord } from '../../actors/jobs/orderFixtures.js';

describe('embedded order store - scan through an index', () => {
  it('scans every order saved through it, once, at its latest version, and keeps the store’s own API', async () => {
    const store = withOrderIndex(createMemoryOrderStore({ maxOrders: 2 }));
    await store.save(orderRecord('o-1', 'pending'), 0);
    await store.save({ ...orderRecord('o-1', 'paid'), version: 2 }, 1);
    await store.save(orderRecord('o-2', 'pending'), 0);
    await expect(store.save(orderRecord('o-3', 'pending'), 0)).rejects.toBeInstanceOf(OrderStoreFullError);
    const seen = [];
    for await (const record of store.scan()) seen.push([record.orderId, record.status]);
    expect(seen).toEqual([['o-1', 'paid'], ['o-2', 'pending']]);
    expect(store.indexed).toBe(2);
    expect(store.size).toBe(2);
  });

  it('passes every argument of save through (the outbox entries written with the record)', async () => {
    const calls: unknown[][] = [];
    const store = withOrderIndex({ load: async () => undefined, save: async (...args: unknown[]) => void calls.push(args) });
    const outbox = [{ id: 'x' }] as unknown as Parameters<typeof store.save>[2];
    await store.save(orderRecord('o-1', 'pending'), 0, outbox);
    expect(calls).toEqual([[orderRecord('o-1', 'pending'), 0, outbox]]);
  });
});
