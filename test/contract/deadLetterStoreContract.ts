import { describe, expect, it } from 'vitest';
import type { DeadLetterEntry, DeadLetterStore } from '../../src/streams/deadLetterStore.js';

/** A store under test; `close` when it has one (the suite closes every store it opens). */
export type DeadLetterStoreUnderTest = DeadLetterStore & { close?(): Promise<void> };

export interface DeadLetterStoreHarness {
  /** A store on fresh state holding at most `maxEntries` (a large bound when not given). */
  open(options?: { maxEntries?: number }): Promise<DeadLetterStoreUnderTest>;
}

let counter = 0;

/** An entry that failed `at` seconds past a fixed start, so that the order of entries is explicit. */
export function deadLetterEntry(at: number, fields: Partial<DeadLetterEntry> = {}): DeadLetterEntry {
  const id = fields.id ?? `dl-${++counter}`;
  const time = new Date(Date.UTC(2026, 0, 1) + at * 1000).toISOString();
  return {
    id,
    reason: 'max-attempts',
    message: 'gave up after 5 attempts',
    error: 'Error: store down',
    attempts: 5,
    firstFailedAt: time,
    lastFailedAt: time,
    correlationId: `corr-${id}`,
    eventId: `evt-${id}`,
    eventType: 'payment.completed',
    orderKey: 'o-1',
    origin: { gateway: 'redis', channel: 'orders', coordinates: { stream: 'orders', id: `${at}-0` }, attempt: 1 },
    original: { body: Buffer.from(`{"n":${at}}`).toString('base64'), headers: { 'ce-id': `evt-${id}` }, key: 'o-1' },
    context: { snapshot: { status: 'pending', version: 1 }, history: [{ eventId: 'e0', type: 'order.created' }] },
    ...fields,
  };
}

/**
 * The `DeadLetterStore` contract: what `GET /dlq` and replay rely on, on every store. Bounded
 * means "oldest evicted", never "new refused": a refused entry would keep a poison message
 * retrying, which is what quarantine exists to prevent.
 */
export function deadLetterStoreContract(name: string, harness: DeadLetterStoreHarness): void {
  const withStore = async (options: { maxEntries?: number } | undefined, run: (store: DeadLetterStore) => Promise<void>) => {
    const store = await harness.open(options);
    try {
      await run(store);
    } finally {
      await store.close?.();
    }
  };

  describe(`${name} - dead-letter store contract`, () => {
    it('gives back an added entry as it was, context and original included; undefined for an unknown id', () =>
      withStore(undefined, async (store) => {
        const entry = deadLetterEntry(1);
        await store.add(entry);
        expect(await store.get(entry.id)).toEqual(entry);
        expect(await store.get('no-such-entry')).toBeUndefined();
        expect(await store.size()).toBe(1);
      }));

    it('lists newest first, at most the limit', () =>
      withStore(undefined, async (store) => {
        const entries = [1, 2, 3, 4].map((at) => deadLetterEntry(at));
        for (const entry of entries) await store.add(entry);
        expect((await store.list()).map((e) => e.id)).toEqual(entries.map((e) => e.id).reverse());
        expect((await store.list({ limit: 2 })).map((e) => e.id)).toEqual([entries[3]!.id, entries[2]!.id]);
      }));

    it('filters by reason, type and order, alone and together', () =>
      withStore(undefined, async (store) => {
        const a = deadLetterEntry(1, { reason: 'max-attempts', eventType: 'payment.completed', orderKey: 'o-A' });
        const b = deadLetterEntry(2, { reason: 'forbidden-transition', eventType: 'order.shipped', orderKey: 'o-A' });
        const c = deadLetterEntry(3, { reason: 'max-attempts', eventType: 'order.shipped', orderKey: 'o-B' });
        const undecodable = deadLetterEntry(4, { reason: 'decode', eventType: undefined, orderKey: undefined, eventId: undefined });
        const { eventType: _t, orderKey: _o, eventId: _e, ...bare } = undecodable;
        for (const entry of [a, b, c, bare]) await store.add(entry);
        const ids = async (filter: Parameters<DeadLetterStore['list']>[0]) => (await store.list(filter)).map((e) => e.id);
        expect(await ids({ reason: 'max-attempts' })).toEqual([c.id, a.id]);
        expect(await ids({ eventType: 'order.shipped' })).toEqual([c.id, b.id]);
        expect(await ids({ orderKey: 'o-A' })).toEqual([b.id, a.id]);
        expect(await ids({ orderKey: 'o-A', reason: 'max-attempts' })).toEqual([a.id]);
        expect(await ids({ eventType: 'order.shipped', orderKey: 'o-B', reason: 'max-attempts' })).toEqual([c.id]);
        expect(await ids({ reason: 'decode' })).toEqual([bare.id]);
        expect(await ids({ orderKey: 'nobody' })).toEqual([]);
      }));

    it('replaces an entry added again with the same id, in the filters too', () =>
      withStore(undefined, async (store) => {
        const first = deadLetterEntry(1, { orderKey: 'o-A' });
        await store.add(first);
        const again = { ...first, orderKey: 'o-B', attempts: 7, lastFailedAt: deadLetterEntry(2).lastFailedAt };
        await store.add(again);
        expect(await store.get(first.id)).toEqual(again);
        expect(await store.list({ orderKey: 'o-A' })).toEqual([]);
        expect((await store.list({ orderKey: 'o-B' })).map((e) => e.id)).toEqual([first.id]);
        expect(await store.size()).toBe(1);
      }));

    it('is bounded: past maxEntries the oldest are evicted (from every filter), a new entry is never refused', () =>
      withStore({ maxEntries: 3 }, async (store) => {
        const entries = [1, 2, 3, 4, 5].map((at) => deadLetterEntry(at, { orderKey: 'o-bounded' }));
        for (const entry of entries) await store.add(entry);
        expect(await store.size()).toBe(3);
        const kept = entries.slice(2).map((e) => e.id).reverse();
        expect((await store.list()).map((e) => e.id)).toEqual(kept);
        expect((await store.list({ orderKey: 'o-bounded' })).map((e) => e.id)).toEqual(kept);
        expect((await store.list({ reason: 'max-attempts' })).map((e) => e.id)).toEqual(kept);
        expect(await store.get(entries[0]!.id)).toBeUndefined();
      }));

    it('deletes idempotently: true the first time, false after, and the entry leaves every filter', () =>
      withStore(undefined, async (store) => {
        const entry = deadLetterEntry(1, { orderKey: 'o-del' });
        const other = deadLetterEntry(2, { orderKey: 'o-del' });
        await store.add(entry);
        await store.add(other);
        expect(await store.delete(entry.id)).toBe(true);
        expect(await store.delete(entry.id)).toBe(false);
        expect(await store.delete('never-there')).toBe(false);
        expect(await store.get(entry.id)).toBeUndefined();
        expect((await store.list({ orderKey: 'o-del' })).map((e) => e.id)).toEqual([other.id]);
        expect(await store.size()).toBe(1);
      }));

    it('keeps ids apart whatever text they are', () =>
      withStore(undefined, async (store) => {
        const odd = ['a:b', 'a*b', 'ü-ñ', '\ud800x', '\ud801x'];
        for (const [i, id] of odd.entries()) await store.add(deadLetterEntry(i, { id }));
        for (const id of odd) expect((await store.get(id))?.id).toBe(id);
        expect(await store.size()).toBe(odd.length);
      }));
  });
}
