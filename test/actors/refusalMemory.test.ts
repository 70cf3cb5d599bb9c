import { describe, expect, it } from 'vitest';
import { decideOrder, markDeadLettered, type Decision } from '../../src/actors/decideOrder.js';
import { defaultOrderLimits } from '../../src/actors/orderLimits.js';
import { OrderRegistry } from '../../src/actors/orderRegistry.js';
import { emptyRecord, type OrderRecord } from '../../src/actors/orderRecord.js';
import { VersionConflictError, type OrderStore } from '../../src/actors/orderStore.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/createMemoryOrderStore.js';
import { FakeClock } from '../support/fakeClock.js';
import { envelopeOf } from '../support/orderEvents.js';

const now = Date.parse('2026-01-01T00:00:00Z');
const limits = defaultOrderLimits;

/** Applies envelopes in turn, storing each decision's record as the registry does. */
function run(envelopes: Envelope[], record: OrderRecord = emptyRecord('o1')): OrderRecord {
  for (const envelope of envelopes) {
    const decision = decideOrder(record, envelope, limits, now);
    if (decision.kind === 'commit' || (decision.kind === 'rejected' && decision.record)) record = decision.record!;
  }
  return record;
}

const stored = (decision: Decision): OrderRecord => {
  if (decision.kind !== 'rejected' || !decision.record) throw new Error(`expected a stored refusal, got ${JSON.stringify(decision)}`);
  return decision.record;
};

describe('decideOrder - a refusal is remembered', () => {
  const created = envelopeOf('order.created', 'o1');
  const early = envelopeOf('order.shipped', 'o1');
  const paid = envelopeOf('payment.completed', 'o1');

  it('stores the refusal with its reason, not yet dead-lettered, and nothing else of the order changes', () => {
    const before = run([created]);
    const record = stored(decideOrder(before, early, limits, now));
    expect(record).toEqual({ ...before, version: before.version + 1, refused: [{ eventId: early.id, code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is pending', deadLettered: false }] });
  });

  it('refuses a redelivery before the dead letter is marked again, with the same reason, storing nothing — even after the order moved on', () => {
    const refused = run([created, early, paid]);
    expect(refused.status).toBe('paid');
    expect(decideOrder(refused, early, limits, now)).toEqual({ kind: 'rejected', code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is pending' });
  });

  it('answers a redelivery after the dead letter is marked as a duplicate', () => {
    const marked = markDeadLettered(run([created, early]), early.id)!;
    expect(marked.refused).toMatchObject([{ eventId: early.id, deadLettered: true }]);
    expect(decideOrder(run([paid], marked), early, limits, now)).toEqual({ kind: 'duplicate' });
    expect(markDeadLettered(marked, early.id)).toBeUndefined(); // marking twice stores nothing
    expect(markDeadLettered(marked, 'never-refused')).toBeUndefined();
  });

  it('remembers an orphan refused for a full stash the same way', () => {
    const full = run([envelopeOf('payment.failed', 'o1')]);
    const orphan = envelopeOf('payment.failed', 'o1');
    const record = stored(decideOrder(full, orphan, { ...limits, stashMaxCount: 1 }, now));
    expect(record.refused).toMatchObject([{ eventId: orphan.id, code: 'orphan' }]);
    expect(record.stash).toEqual(full.stash);
    expect(decideOrder(markDeadLettered(record, orphan.id)!, orphan, limits, now)).toEqual({ kind: 'duplicate' });
  });

  it('decides a replay of a refused event afresh, and a redelivery of that replay as a redelivery', () => {
    const refused = markDeadLettered(run([created, early, paid]), early.id)!;
    const replayed = decideOrder(refused, early, limits, now, undefined, 'dl-1');
    expect(replayed).toMatchObject({ kind: 'commit', outcome: 'applied', record: { status: 'shipped' } });
    if (replayed.kind !== 'commit') return;
    expect(decideOrder(replayed.record, early, limits, now, undefined, 'dl-1')).toEqual({ kind: 'duplicate' });

    // Refused again on replay: remembered for that replay, which a new replay (of the new entry) is not.
    const cancelled = run([envelopeOf('order.cancelled', 'o1')], refused);
    const again = stored(decideOrder(cancelled, early, limits, now, undefined, 'dl-1'));
    expect(again.refused).toEqual([{ eventId: early.id, code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is cancelled', deadLettered: false, replayOf: 'dl-1' }]);
    expect(decideOrder(again, early, limits, now, undefined, 'dl-1')).toEqual({ kind: 'rejected', code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is cancelled' });
    expect(decideOrder(again, early, limits, now, undefined, 'dl-2')).toMatchObject({ kind: 'rejected', record: { version: again.version + 1 } });
  });

  it('keeps the refusals within the dedup window of maxAppliedIds, oldest forgotten first, across applied events', () => {
    const small = { ...limits, maxAppliedIds: 2 };
    let record = run([created]);
    const refusals = [1, 2, 3].map(() => envelopeOf('order.created', 'o1'));
    for (const envelope of refusals) record = stored(decideOrder(record, envelope, small, now));
    expect(record.refused?.map((r) => r.eventId)).toEqual([refusals[1]!.id, refusals[2]!.id]);
    const next = decideOrder(record, paid, small, now);
    expect(next.kind === 'commit' && next.record.refused).toEqual(record.refused);
  });
});

/** A store that counts saves and can be told to make the next save conflict. */
function countingStore() {
  const base = createMemoryOrderStore();
  const state = { saves: 0, conflictNext: false };
  const store: OrderStore = {
    load: (id) => base.load(id),
    save: async (record, expected, outbox) => {
      if (state.conflictNext) {
        state.conflictNext = false;
        // Another writer got there first: it stores something else of the order.
        const current = (await base.load(record.orderId))!;
        await base.save({ ...current, version: current.version + 1 }, current.version);
        throw new VersionConflictError(record.orderId, expected, current.version + 1);
      }
      state.saves++;
      return base.save(record, expected, outbox);
    },
  };
  return { store, state };
}

function registryOn(store: OrderStore) {
  const clock = new FakeClock();
  return new OrderRegistry({ deps: { store, clock, limits, park: async () => undefined }, clock, maxLiveOrders: 10, idleMs: 60_000 });
}

describe('order registry - a refused event redelivered (the scale oracle’s o6599)', () => {
  // o6599: its early order.shipped (seq 7) was refused and dead-lettered; after a rebalance it was
  // delivered again after the payment (seq 9) and applied, so the real shipment (seq 10) was refused.
  const id = 'o6599';
  const created = envelopeOf('order.created', id, {}, `${id}:1`);
  const early = envelopeOf('order.shipped', id, { trackingNumber: 'EARLY' }, `${id}:7`);
  const paid = envelopeOf('payment.completed', id, {}, `${id}:9`);
  const shipped = envelopeOf('order.shipped', id, { trackingNumber: 'REAL' }, `${id}:10`);

  it('answers the redelivered seq 7 as a duplicate once its dead letter is marked, and applies the real shipment', async () => {
    const { store } = countingStore();
    const registry = registryOn(store);
    try {
      await registry.apply(created);
      expect(await registry.apply(early)).toEqual({ kind: 'rejected', code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is pending' });
      await registry.deadLettered(early); // the pipeline calls this once the dead letter is done
      expect(await registry.apply(paid)).toMatchObject({ kind: 'applied' });
      expect(await registry.apply(early)).toEqual({ kind: 'duplicate' }); // redelivered after the rebalance
      expect(await registry.apply(shipped)).toMatchObject({ kind: 'applied', changes: [{ from: 'paid', to: 'shipped' }] });
      const record = await store.load(id);
      expect(record?.view?.shipment?.trackingNumber).toBe('REAL');
      expect(record?.history.map((h) => h.eventId)).toEqual([created.id, paid.id, shipped.id]);
    } finally {
      registry.stop();
    }
  });

  it('refuses it again, with the same reason, when the process died before the dead letter was marked', async () => {
    const { store } = countingStore();
    const first = registryOn(store);
    await first.apply(created);
    await first.apply(early);
    first.stop(); // killed: the dead letter may or may not have happened, so it must happen (again)

    const second = registryOn(store);
    try {
      await second.apply(paid);
      expect(await second.apply(early)).toEqual({ kind: 'rejected', code: 'forbidden-transition', message: 'order.shipped is not allowed when the order is pending' });
      await second.deadLettered(early);
      expect(await second.apply(early)).toEqual({ kind: 'duplicate' });
      expect(await second.apply(shipped)).toMatchObject({ kind: 'applied' });
      expect((await store.load(id))?.view?.shipment?.trackingNumber).toBe('REAL');
    } finally {
      second.stop();
    }
  });

  it('marks the dead letter on the newest record when another writer saved the order meanwhile', async () => {
    const { store, state } = countingStore();
    const registry = registryOn(store);
    try {
      await registry.apply(created);
      await registry.apply(early);
      state.conflictNext = true;
      await registry.deadLettered(early);
      expect((await store.load(id))?.refused).toMatchObject([{ eventId: early.id, deadLettered: true }]);
      const saves = state.saves;
      await registry.deadLettered(early); // nothing left to mark: no write
      expect(state.saves).toBe(saves);
      expect(await registry.apply(early)).toEqual({ kind: 'duplicate' });
    } finally {
      registry.stop();
    }
  });
});
