import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DedupStore } from '../../src/streams/dedupStore.js';

/** A store under test; `close` when it has one (the suite closes every store it opens). */
export type DedupStoreUnderTest = DedupStore & { close?(): Promise<void> };

export interface DedupStoreHarness {
  /** A store, on fresh or shared state. */
  open(): Promise<DedupStoreUnderTest>;
  /** Lets `ms` pass for the stores opened: a fake clock moves, or real time is waited. */
  passTime(ms: number): Promise<void>;
  /** The ttl the expiry tests use: short where time really has to pass. */
  readonly ttlMs: number;
  /** An id no other test uses. */
  unique(): string;
}

/** Long enough that nothing expires while a test runs. */
const LONG = 600_000;

/**
 * The `DedupStore` contract, run against every store: a message handled twice is a message
 * applied twice, so "exactly one claim wins" must hold on all of them, under concurrency too.
 */
export function dedupStoreContract(name: string, harness: DedupStoreHarness): void {
  const { unique } = harness;
  const withStore = async (run: (store: DedupStore) => Promise<void>) => {
    const store = await harness.open();
    try {
      await run(store);
    } finally {
      await store.close?.();
    }
  };

  describe(`${name} - dedup store contract`, () => {
    it('lets the first claim win and every later one lose', () =>
      withStore(async (store) => {
        const id = unique();
        expect(await store.seen(id)).toBe(false);
        expect(await store.claim(id, LONG)).toBe(true);
        expect(await store.seen(id)).toBe(true);
        expect(await store.claim(id, LONG)).toBe(false);
        expect(await store.claim(id, LONG)).toBe(false);
        expect(await store.seen(id)).toBe(true);
      }));

    it('lets a claim win again after a release, and a release of nothing is harmless', () =>
      withStore(async (store) => {
        const id = unique();
        await store.release(id);
        expect(await store.claim(id, LONG)).toBe(true);
        await store.release(id);
        expect(await store.seen(id)).toBe(false);
        expect(await store.claim(id, LONG)).toBe(true);
        expect(await store.claim(id, LONG)).toBe(false);
      }));

    it('keeps ids apart, whatever text they are', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 6 }), { minLength: 2, maxLength: 6 }), async (texts) => {
            const base = unique();
            const [first, ...others] = texts.map((text) => base + text);
            expect(await store.claim(first!, LONG)).toBe(true);
            for (const other of others) expect(await store.seen(other), JSON.stringify(other)).toBe(false);
            for (const other of others) expect(await store.claim(other, LONG)).toBe(true);
            expect(await store.claim(first!, LONG)).toBe(false);
          }),
          { numRuns: 40, examples: [[['\uD800', '\uD801']], [['\uDC00x', '\uFFFDx']]] },
        ),
      ));

    it('refuses a ttl that is not a positive whole number of ms, and claims nothing', () =>
      withStore(async (store) => {
        const id = unique();
        for (const ttl of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) await expect(store.claim(id, ttl)).rejects.toThrow(RangeError);
        expect(await store.seen(id)).toBe(false);
      }));

    it('lets a claim win again once its ttl has run out, and a losing claim does not extend it', () =>
      withStore(async (store) => {
        const { ttlMs } = harness;
        const [id, other] = [unique(), unique()];
        expect(await store.claim(id, ttlMs)).toBe(true);
        expect(await store.claim(other, LONG)).toBe(true);
        await harness.passTime(Math.floor(ttlMs / 4));
        expect(await store.claim(id, ttlMs)).toBe(false); // within the ttl
        await harness.passTime(ttlMs);
        expect(await store.seen(id)).toBe(false);
        expect(await store.claim(id, ttlMs)).toBe(true);
        expect(await store.seen(other)).toBe(true); // its own, longer ttl
      }));

    it('lets exactly one of many concurrent claims of the same id win', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 2, max: 60 }), async (count) => {
            const id = unique();
            const results = await Promise.all(Array.from({ length: count }, () => store.claim(id, LONG)));
            expect(results.filter(Boolean)).toHaveLength(1);
            expect(await store.seen(id)).toBe(true);
          }),
          { numRuns: 15, examples: [[60]] },
        ),
      ));

    it('agrees with a reference model over any sequence of claims, releases and checks', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('claim', 'release', 'seen'), fc.nat(3)), { maxLength: 30 }), async (operations) => {
            const ids = [unique(), unique(), unique(), unique()];
            const claimed = new Set<string>();
            for (const [kind, index] of operations) {
              const id = ids[index]!;
              if (kind === 'claim') {
                expect(await store.claim(id, LONG)).toBe(!claimed.has(id));
                claimed.add(id);
              } else if (kind === 'release') {
                await store.release(id);
                claimed.delete(id);
              } else {
                expect(await store.seen(id)).toBe(claimed.has(id));
              }
            }
            for (const id of ids) expect(await store.seen(id)).toBe(claimed.has(id));
          }),
          { numRuns: 40 },
        ),
      ));
  });
}
