import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyRecord, type OrderRecord } from '../../src/actors/orderRecord.js';
import { OutboxFullError, VersionConflictError, type OrderStore } from '../../src/actors/orderStore.js';
import { STATUS_CHANGED_TYPE, type OutboxEntry } from '../../src/actors/outbox/outboxEntry.js';
import type { OutboxStore } from '../../src/actors/outbox/outboxStore.js';

/** A store under test; `close` when it has one (the suite closes every store it opens). */
export type StoreUnderTest = OrderStore & OutboxStore & { close?(): Promise<void> };

/** What a test may ask of a store it opens. */
export interface OpenOptions {
  /** The store's bound on pending outbox entries. */
  readonly maxOutboxPending?: number;
}

/**
 * The `OrderStore` contract, run against every store: `save` is the commit point after which a
 * delivery is acked, so its compare-and-set must hold on all of them, and the outbox entries
 * it carries are written if and only if the record is. `open` makes a store whose orders may be
 * shared with other tests but whose outbox is its own (empty); `unique` names an order no other
 * test uses.
 */
export function orderStoreContract(name: string, open: (options?: OpenOptions) => Promise<StoreUnderTest>, unique: () => string): void {
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
  const withStore = async (run: (store: StoreUnderTest) => Promise<void>, options?: OpenOptions) => {
    const store = await open(options);
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

    it('writes the outbox entries of a save with its record, and reads them back in commit order', () =>
      withStore(async (store) => {
        const [a, b] = [unique(), unique()];
        await store.save(paid(a), 0, [entry(a, 1), entry(a, 2)]);
        await store.save(paid(b), 0, [entry(b, 1)]);
        await store.save(paid(a, 2), 1, [entry(a, 3)]);
        await store.save(paid(b, 2), 1); // no transition: no entry
        expect(await store.readOutbox(10)).toEqual([entry(a, 1), entry(a, 2), entry(b, 1), entry(a, 3)]);
        expect(await store.readOutbox(2)).toEqual([entry(a, 1), entry(a, 2)]);
        expect(await store.outboxBacklog()).toBe(4);
      }));

    it('writes no outbox entry when the compare-and-set fails or the version is wrong', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0, [entry(id, 1)]);
        await expect(store.save(paid(id), 0, [entry(id, 2)])).rejects.toBeInstanceOf(VersionConflictError);
        await expect(store.save(paid(id, 9), 1, [entry(id, 3)])).rejects.toThrow(RangeError);
        expect(await store.readOutbox(10)).toEqual([entry(id, 1)]);
        expect(await store.outboxBacklog()).toBe(1);
      }));

    it('removes by id idempotently, keeping the order of the rest', () =>
      withStore(async (store) => {
        const id = unique();
        await store.save(paid(id), 0, [entry(id, 1), entry(id, 2), entry(id, 3)]);
        await store.removeOutbox([entry(id, 2).id]);
        await store.removeOutbox([entry(id, 2).id, 'never-there']);
        await store.removeOutbox([]);
        expect(await store.readOutbox(10)).toEqual([entry(id, 1), entry(id, 3)]);
        await store.removeOutbox([entry(id, 1).id, entry(id, 3).id]);
        expect(await store.readOutbox(10)).toEqual([]);
        expect(await store.outboxBacklog()).toBe(0);
      }));

    it('round-trips any text in an outbox entry', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (text) => {
            const id = unique();
            const written = { ...entry(id, 1), correlationId: text, data: { ...entry(id, 1).data, eventType: text } };
            await store.save(paid(id), 0, [written]);
            expect(await store.readOutbox(1)).toEqual([written]);
            await store.removeOutbox([written.id]);
          }),
          { numRuns: 30 },
        ),
      ));

    it('refuses a save that would overfill the outbox, writing neither the record nor any entry', () =>
      withStore(
        async (store) => {
          const [a, b] = [unique(), unique()];
          await store.save(paid(a), 0, [entry(a, 1), entry(a, 2)]);
          const full = await store.save(paid(b), 0, [entry(b, 1), entry(b, 2)]).catch((error: unknown) => error);
          expect(full).toBeInstanceOf(OutboxFullError);
          expect(full).toMatchObject({ orderId: b, maxPending: 3 });
          expect(await store.load(b)).toBeUndefined();
          expect(await store.readOutbox(10)).toEqual([entry(a, 1), entry(a, 2)]);
          await store.save(paid(a, 2), 1); // a save without entries needs no room
          await store.save(paid(b), 0, [entry(b, 1)]); // exactly full is allowed
          await store.removeOutbox([entry(a, 1).id]);
          await store.save(paid(b, 2), 1, [entry(b, 2)]); // room again once the relay removed one
          expect(await store.readOutbox(10)).toEqual([entry(a, 2), entry(b, 1), entry(b, 2)]);
        },
        { maxOutboxPending: 3 },
      ));

    it('keeps the outbox equal to the entries of the saves that won, minus those removed (any sequence)', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.oneof(fc.record({ save: fc.nat(4), entries: fc.nat(3) }), fc.record({ remove: fc.nat(8) })), { maxLength: 14 }),
            async (steps) => {
              const id = unique();
              let stored = 0;
              let made = 0;
              let model: OutboxEntry[] = [];
              for (const step of steps) {
                if ('remove' in step) {
                  const gone = model.slice(0, step.remove % (model.length + 1)).map((e) => e.id);
                  await store.removeOutbox(gone);
                  model = model.filter((e) => !gone.includes(e.id));
                  continue;
                }
                const entries = Array.from({ length: step.entries }, () => entry(id, ++made));
                const won = await store.save(paid(id, step.save + 1), step.save, entries).then(
                  () => true,
                  () => false,
                );
                expect(won).toBe(step.save === stored);
                if (won) {
                  stored++;
                  model.push(...entries);
                }
              }
              expect(await store.readOutbox(100)).toEqual(model);
              await store.removeOutbox(model.map((e) => e.id)); // the next run starts empty
            },
          ),
          { numRuns: 25 },
        ),
      ));
  });
}

/** The `n`th status event of `orderId`, as the order actors would make it. */
function entry(orderId: string, n: number): OutboxEntry {
  return {
    id: `${orderId}:status:${n}`,
    type: STATUS_CHANGED_TYPE,
    version: 1,
    key: orderId,
    correlationId: 'corr-ü 注文',
    causationId: `${orderId}:cause:${n}`,
    source: '/orderly',
    occurredAt: '2026-01-01T00:00:00.000Z',
    headers: {},
    data: { orderId, from: 'pending', to: 'paid', eventId: `${orderId}:cause:${n}`, eventType: 'payment.completed', occurredAt: '2026-01-01T00:00:00Z' },
  };
}
