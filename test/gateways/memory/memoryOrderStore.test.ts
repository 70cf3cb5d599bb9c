import { describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../../src/actors/orderRecord.js';
import { VersionConflictError } from '../../../src/actors/orderStore.js';
import { createMemoryOrderStore, OrderStoreFullError } from '../../../src/gateways/memory/index.js';

const paid: OrderRecord = {
  ...emptyRecord('o1'),
  version: 1,
  status: 'paid',
  view: {
    orderId: 'o1',
    userId: 'ü-ser', // not ASCII: the packed form must round-trip any text
    items: [{ productId: 'p', quantity: 1, priceCents: 10 }],
    totalCents: 10,
    currency: 'EUR',
    createdAt: '2026-01-01T00:00:00Z',
  },
  appliedIds: ['a'],
};

describe.each([true, false])('memory order store (compact %s)', (compact) => {
  it('saves with compare-and-set and loads what it saved, as a copy', async () => {
    const store = createMemoryOrderStore({ compact });
    expect(await store.load('o1')).toBeUndefined();
    await store.save(paid, 0);
    const loaded = await store.load('o1');
    expect(loaded).toEqual(paid);
    expect(loaded).not.toBe(paid);
  });

  it('refuses a save whose expected version is stale', async () => {
    const store = createMemoryOrderStore({ compact });
    await store.save(paid, 0);
    await expect(store.save({ ...paid, version: 1 }, 0)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.save({ ...paid, version: 3 }, 2)).rejects.toThrow('expected version 2, store has 1');
    expect((await store.load('o1'))?.version).toBe(1);
  });

  it('refuses a new order past maxOrders and keeps the others', async () => {
    const store = createMemoryOrderStore({ compact, maxOrders: 1 });
    await store.save(paid, 0);
    await expect(store.save({ ...emptyRecord('o2'), version: 1 }, 0)).rejects.toBeInstanceOf(OrderStoreFullError);
    await store.save({ ...paid, version: 2 }, 1); // updating an existing order is still fine
    expect(store.size).toBe(1);
  });
});
