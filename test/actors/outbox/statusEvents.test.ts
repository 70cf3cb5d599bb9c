import { afterEach, describe, expect, it } from 'vitest';
import { defaultOrderLimits } from '../../../src/actors/orderLimits.js';
import { OrderRegistry } from '../../../src/actors/orderRegistry.js';
import { OutboxFullError, VersionConflictError, type OrderStore } from '../../../src/actors/orderStore.js';
import { createMemoryOrderStore, type MemoryOrderStore } from '../../../src/gateways/memory/index.js';
import { FakeClock } from '../../support/fakeClock.js';
import { envelopeOf } from '../../support/orderEvents.js';

const registries: OrderRegistry[] = [];
afterEach(() => registries.splice(0).forEach((r) => r.stop()));

function setup(options: { store?: MemoryOrderStore; wrap?: (store: MemoryOrderStore) => OrderStore } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 2, 1));
  const store = options.store ?? createMemoryOrderStore();
  let ids = 0;
  const registry = new OrderRegistry({
    deps: {
      store: options.wrap ? options.wrap(store) : store,
      clock,
      limits: defaultOrderLimits,
      park: async () => undefined,
      statusEvents: { newId: () => `status-${++ids}` },
    },
    clock,
  });
  registries.push(registry);
  return { registry, store, clock };
}

describe('order registry - status events in the outbox', () => {
  it('saves one order.status-changed per transition with the record, made at decision time', async () => {
    const { registry, store } = setup();
    const created = envelopeOf('order.created', 'o1', {}, 'e-created');
    const paid = envelopeOf('payment.completed', 'o1', {}, 'e-paid');
    await registry.apply(created);
    await registry.apply(paid);
    expect(await store.readOutbox(10)).toEqual([
      {
        id: 'status-1',
        type: 'order.status-changed',
        version: 1,
        key: 'o1',
        correlationId: created.correlationId,
        causationId: 'e-created',
        source: '/orderly',
        occurredAt: '2026-03-01T00:00:00.000Z',
        headers: {},
        data: { orderId: 'o1', from: 'new', to: 'pending', eventId: 'e-created', eventType: 'order.created', occurredAt: created.occurredAt },
      },
      expect.objectContaining({ id: 'status-2', causationId: 'e-paid', correlationId: paid.correlationId, data: expect.objectContaining({ from: 'pending', to: 'paid' }) }),
    ]);
  });

  it('writes nothing for a stash, a duplicate, a refusal or a failure that leaves the status as it was', async () => {
    const { registry, store } = setup();
    await registry.apply(envelopeOf('payment.failed', 'o1', {}, 'early')); // stashed: the order does not exist yet
    expect(await store.outboxBacklog()).toBe(0);
    const created = envelopeOf('order.created', 'o1', {}, 'created');
    await registry.apply(created); // applies the stash too: new → pending → payment_failed
    expect((await store.readOutbox(10)).map((e) => `${e.data.from}->${e.data.to} by ${e.causationId}`)).toEqual(['new->pending by created', 'pending->payment_failed by early']);
    await registry.apply(created); // duplicate
    await registry.apply(envelopeOf('payment.failed', 'o1', { paymentId: 'again' })); // payment_failed → payment_failed
    await registry.apply(envelopeOf('order.shipped', 'o1')); // refused
    expect(await store.outboxBacklog()).toBe(2);
  });

  it('a lost compare-and-set leaves no event behind, and the retry makes a fresh one once', async () => {
    const { registry, store } = setup({
      wrap: (inner) => {
        let raced = false;
        return {
          load: (id) => inner.load(id),
          save: async (record, version, outbox) => {
            if (!raced && record.version === 2) {
              raced = true; // another writer saves version 2 first
              await inner.save({ ...record, appliedIds: ['other'] }, version);
            }
            await inner.save(record, version, outbox);
          },
        };
      },
    });
    await registry.apply(envelopeOf('order.created', 'o1'));
    await expect(registry.apply(envelopeOf('payment.completed', 'o1', {}, 'pay'))).rejects.toBeInstanceOf(VersionConflictError);
    expect((await store.readOutbox(10)).map((e) => e.id)).toEqual(['status-1']);
  });

  it('refuses the transition, transiently, when the outbox is full, and stores it once there is room', async () => {
    const store = createMemoryOrderStore({ maxOutboxPending: 1 });
    const { registry } = setup({ store });
    await registry.apply(envelopeOf('order.created', 'o1'));
    const pay = envelopeOf('payment.completed', 'o1', {}, 'pay');
    await expect(registry.apply(pay)).rejects.toBeInstanceOf(OutboxFullError);
    expect((await store.load('o1'))?.status).toBe('pending');
    await store.removeOutbox((await store.readOutbox(1)).map((e) => e.id)); // the relay caught up
    await expect(registry.apply(pay)).resolves.toMatchObject({ kind: 'applied' });
    expect((await store.readOutbox(10)).map((e) => e.data.to)).toEqual(['paid']);
  });
});
