import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../src/actors/orderRecord.js';
import { VersionConflictError, type OrderStore } from '../../src/actors/orderStore.js';

/** A store under test; `close` when it has one (the suite closes every store it opens). */
export type StoreUnderTest = OrderStore & { close?(): Promise<void> };

/**
 * The `OrderStore` contract, run against every store: `save` is the commit point after which a
 * delivery is acked, so its compare-and-set must hold on all of them. `open` makes a store on
 * fresh or shared state; `unique` names an order no other test uses.
 */
export function orderStoreContract(name: string, open: () => Promise<StoreUnderTest>, unique: () => string): void {
  const paid = (orderId: string, version = 1, userId = 'ü-ser 注文 📦'): OrderRecord => ({
    ...emptyRecord(orderId),
    version,
    status: 'paid',
    view: {
      orderId,
      userId, // not ASCII, astral plane included: every store must round-trip any text
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
    it('loads nothing for an order never saved', () =>
      withStore(async (store) => {
        expect(await store.load(unique())).toBeUndefined();
      }));

    it('saves with compare-and-set and loads what it saved', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0);
        expect(await store.load(id)).toEqual(paid(id));
        await store.save({ ...paid(id, 2), status: 'shipped', appliedIds: ['a', 'b'] }, 1);
        expect(await store.load(id)).toEqual({ ...paid(id, 2), status: 'shipped', appliedIds: ['a', 'b'] });
      }));

    it('round-trips any text in a record', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (text) => {
            const id = unique();
            const record = { ...paid(id, 1, text), appliedIds: [text] };
            await store.save(record, 0);
            expect(await store.load(id)).toEqual(record);
          }),
          { numRuns: 30 },
        ),
      ));

    it('hands out copies: changing a loaded record changes nothing stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0);
        const loaded = await store.load(id);
        (loaded?.appliedIds as string[]).push('mutated');
        expect(await store.load(id)).toEqual(paid(id));
      }));

    it('refuses a stale expected version and keeps what is stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0);
        await expect(store.save({ ...paid(id), appliedIds: ['late'] }, 0)).rejects.toBeInstanceOf(VersionConflictError);
        await expect(store.save(paid(id, 3), 2)).rejects.toThrow('expected version 2, store has 1');
        const conflict = await store.save(paid(id, 3), 2).catch((error: unknown) => error);
        expect(conflict).toBeInstanceOf(VersionConflictError);
        expect(conflict).toMatchObject({ orderId: id, expectedVersion: 2, actualVersion: 1 });
        expect(await store.load(id)).toEqual(paid(id));
      }));

    it('refuses a record whose version is not the expected one plus one, and writes nothing', () =>
      withStore(async (store) => {
        const id = unique();
        await expect(store.save(paid(id, 5), 0)).rejects.toThrow(RangeError);
        await expect(store.save(paid(id, 0), 0)).rejects.toThrow(RangeError);
        expect(await store.load(id)).toBeUndefined();
      }));

    it('keeps orders apart', () =>
      withStore(async (store) => {
        const [a, b] = [unique(), unique()];
        await store.save(paid(a), 0);
        await store.save(paid(b), 0);
        await store.save(paid(a, 2), 1);
        expect((await store.load(b))?.version).toBe(1);
        await expect(store.save(paid(b, 3), 2)).rejects.toBeInstanceOf(VersionConflictError);
      }));

    it('accepts a save exactly when its expected version is the stored one (any sequence)', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.array(fc.nat(6), { maxLength: 12 }), async (expectedVersions) => {
            const id = unique();
            let stored = 0; // the model
            for (const expected of expectedVersions) {
              const outcome = await store.save(paid(id, expected + 1), expected).then(
                () => 'saved',
                (error: unknown) => error,
              );
              if (expected === stored) {
                expect(outcome).toBe('saved');
                stored++;
              } else {
                expect(outcome).toBeInstanceOf(VersionConflictError);
                expect(outcome).toMatchObject({ expectedVersion: expected, actualVersion: stored });
              }
            }
            expect((await store.load(id))?.version).toBe(stored === 0 ? undefined : stored);
          }),
          { numRuns: 25 },
        ),
      ));

    it('lets exactly one of many concurrent writers of the same version win', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 2, max: 50 }), async (count) => {
            const id = unique();
            await store.save(paid(id), 0);
            const racers = Array.from({ length: count }, (_, i) => store.save({ ...paid(id, 2), appliedIds: [`racer-${i}`] }, 1));
            const results = await Promise.allSettled(racers);
            const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
            expect(winners).toHaveLength(1);
            for (const r of results) {
              if (r.status === 'fulfilled') continue;
              expect(r.reason).toBeInstanceOf(VersionConflictError);
              expect(r.reason).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
            }
            expect((await store.load(id))?.appliedIds).toEqual([`racer-${winners[0]}`]);
          }),
          { numRuns: 15, examples: [[50]] },
        ),
      ));
  });
}
