import { describe, expect, it } from 'vitest';
import { defaultOrderLimits } from '../../src/actors/orderLimits.js';
import { OrderRegistry } from '../../src/actors/orderRegistry.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/createMemoryOrderStore.js';
import { FakeClock } from '../support/fakeClock.js';
import { envelopeOf } from '../support/orderEvents.js';

/** A registry over `store`, as a fresh process after a crash would make it. */
function registry(store: OrderStore, keepLastChanges = true): OrderRegistry {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  return new OrderRegistry({ deps: { store, clock, limits: defaultOrderLimits, park: async () => undefined, keepLastChanges }, clock, maxLiveOrders: 10, idleMs: 60_000 });
}

describe('order registry - the last commit’s changes come back with a redelivery (announced again after a crash)', () => {
  const created = envelopeOf('order.created', 'o1');
  const paid = envelopeOf('payment.completed', 'o1');

  it('answers a redelivery of the last commit’s event with that commit’s changes, even in a fresh process', async () => {
    const store = createMemoryOrderStore();
    const first = registry(store);
    await first.apply(created);
    const applied = await first.apply(paid);
    if (applied.kind !== 'applied') throw new Error(`expected applied, got ${applied.kind}`);
    first.stop();

    // The process died after the store write and before the hub had the change: paid comes back.
    const second = registry(store);
    expect(await second.apply(paid)).toEqual({ kind: 'duplicate', changes: applied.changes });
    // created was announced before paid was even taken (one event per order at a time).
    expect(await second.apply(created)).toEqual({ kind: 'duplicate' });
    second.stop();
  });

  it('a stash drained by order.created comes back whole, whichever of its events is redelivered', async () => {
    const store = createMemoryOrderStore();
    const first = registry(store);
    expect((await first.apply(paid)).kind).toBe('stashed');
    const drained = await first.apply(created);
    if (drained.kind !== 'applied') throw new Error(`expected applied, got ${drained.kind}`);
    expect(drained.changes.map((c) => c.envelope.id)).toEqual([created.id, paid.id]);
    first.stop();

    const second = registry(store);
    expect(await second.apply(created)).toEqual({ kind: 'duplicate', changes: drained.changes });
    expect(await second.apply(paid)).toEqual({ kind: 'duplicate', changes: drained.changes });
    second.stop();
  });

  it('keeps nothing, and answers a plain duplicate, without keepLastChanges (the embedded store dies with the process)', async () => {
    const store = createMemoryOrderStore();
    const first = registry(store, false);
    await first.apply(created);
    expect((await store.load('o1'))?.lastChanges).toBeUndefined();
    expect(await first.apply(created)).toEqual({ kind: 'duplicate' });
    first.stop();
  });

  it('a stashed event or a refusal stored after the last commit leaves its changes in place', async () => {
    const store = createMemoryOrderStore();
    const first = registry(store);
    await first.apply(created);
    expect((await first.apply(envelopeOf('order.shipped', 'o1'))).kind).toBe('rejected'); // not paid yet
    const record = await store.load('o1');
    expect(record?.lastChanges?.map((c) => c.envelope.id)).toEqual([created.id]);
    expect(await first.apply(created)).toMatchObject({ kind: 'duplicate', changes: [{ envelope: { id: created.id }, from: 'new', to: 'pending' }] });
    first.stop();
  });
});
