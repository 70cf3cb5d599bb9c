import { describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../src/actors/orderRecord.js';
import { VersionConflictError, type OrderStore } from '../../src/actors/orderStore.js';

/** The `OrderStore` contract, run against every store: the commit point must hold on all of them. */
export function orderStoreContract(name: string, open: () => Promise<OrderStore & { close?(): Promise<void> }>, unique: () => string): void {
  const paid = (orderId: string, version = 1): OrderRecord => ({
    ...emptyRecord(orderId),
    version,
    status: 'paid',
    view: {
      orderId,
      userId: 'ü-ser', // not ASCII: every store must round-trip any text
      items: [{ productId: 'p', quantity: 1, priceCents: 10 }],
      totalCents: 10,
      currency: 'EUR',
      createdAt: '2026-01-01T00:00:00Z',
    },
    appliedIds: ['a'],
  });
  const withStore = async (run: (store: OrderStore) => Promise<void>) => {
    const store = await open();
    try {
      await run(store);
    } finally {
      await store.close?.();
    }
  };

  describe(`${name} - order store contract`, () => {
    it('saves with compare-and-set and loads what it saved', () =>
      withStore(async (store) => {
        const id = unique();
        expect(await store.load(id)).toBeUndefined();
        await store.save(paid(id), 0);
        expect(await store.load(id)).toEqual(paid(id));
      }));

    it('refuses a stale expected version and keeps what is stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0);
        await expect(store.save(paid(id), 0)).rejects.toBeInstanceOf(VersionConflictError);
        await expect(store.save(paid(id, 3), 2)).rejects.toThrow('expected version 2, store has 1');
        expect((await store.load(id))?.version).toBe(1);
      }));

    it('refuses a record whose version is not the expected one plus one', () =>
      withStore(async (store) => {
        await expect(store.save(paid(unique(), 5), 0)).rejects.toThrow(RangeError);
      }));

    it('lets exactly one of many concurrent writers of the same version win', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0);
        const racers = Array.from({ length: 25 }, (_, i) => store.save({ ...paid(id, 2), appliedIds: [`racer-${i}`] }, 1));
        const results = await Promise.allSettled(racers);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof VersionConflictError)).toBe(true);
        const winner = results.findIndex((r) => r.status === 'fulfilled');
        expect((await store.load(id))?.appliedIds).toEqual([`racer-${winner}`]);
      }));
  });
}
