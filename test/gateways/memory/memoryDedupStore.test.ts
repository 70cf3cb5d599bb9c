import { describe, expect, it } from 'vitest';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { FakeClock } from '../../support/fakeClock.js';

// The behaviour every dedup store shares is in memoryDedupStore.contract.test.ts; this is what only the embedded one has.
describe('memory dedup store - bounds', () => {
  it('drops the oldest claim to stay within maxEntries, even before its ttl', async () => {
    const store = createMemoryDedupStore({ maxEntries: 3 }, { clock: new FakeClock() });
    for (const id of ['a', 'b', 'c', 'd']) expect(await store.claim(id, 60_000)).toBe(true);
    expect(store.size).toBe(3);
    expect(await store.seen('a')).toBe(false);
    expect(await store.seen('b')).toBe(true);
    expect(await store.claim('a', 60_000)).toBe(true); // 'a' got through again: the bound won over its ttl
    expect(await store.seen('b')).toBe(false);
  });

  it('counts a claim won again after its ttl as the newest', async () => {
    const clock = new FakeClock();
    const store = createMemoryDedupStore({ maxEntries: 2 }, { clock });
    await store.claim('short', 10);
    await store.claim('long', 60_000);
    clock.advance(10);
    expect(await store.claim('short', 60_000)).toBe(true);
    await store.claim('third', 60_000);
    expect(await store.seen('long')).toBe(false); // now the oldest
    expect(await store.seen('short')).toBe(true);
  });

  it('forgets claims past their ttl without a timer', async () => {
    const clock = new FakeClock();
    const store = createMemoryDedupStore({}, { clock });
    await store.claim('a', 100);
    await store.claim('b', 200);
    clock.advance(100);
    expect(store.size).toBe(1);
    expect(await store.seen('a')).toBe(false);
    clock.advance(100);
    expect(store.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it.each([[0], [-1], [2.5]])('refuses maxEntries %d', (maxEntries) => {
    expect(() => createMemoryDedupStore({ maxEntries })).toThrow(/maxEntries/);
  });
});
