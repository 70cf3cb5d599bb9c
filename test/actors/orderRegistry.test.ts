import { afterEach, describe, expect, it } from 'vitest';
import type { ParkedEvent } from '../../src/actors/decideOrder.js';
import { assign } from 'xstate';
import { orderLifecycle } from '../../src/actors/orderLifecycle.js';
import { defaultOrderLimits } from '../../src/actors/orderLimits.js';
import { OrderActorCrashedError, OrderRegistry, RegistryStoppedError } from '../../src/actors/orderRegistry.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/createMemoryOrderStore.js';
import { FakeClock } from '../support/fakeClock.js';
import { envelopeOf } from '../support/orderEvents.js';

const registries: OrderRegistry[] = [];
afterEach(() => registries.splice(0).forEach((r) => r.stop()));

function setup(options: { store?: OrderStore; maxLiveOrders?: number; idleMs?: number; logic?: typeof orderLifecycle } = {}) {
  const clock = new FakeClock();
  const store = options.store ?? createMemoryOrderStore();
  const parked: ParkedEvent[] = [];
  const registry = new OrderRegistry({
    deps: { store, clock, limits: defaultOrderLimits, park: async (p) => void parked.push(...p) },
    maxLiveOrders: options.maxLiveOrders ?? 100,
    idleMs: options.idleMs ?? 1000,
    clock,
    ...(options.logic ? { logic: options.logic } : {}),
  });
  registries.push(registry);
  return { registry, store, clock, parked };
}

describe('order registry - spawning and applying', () => {
  it('spawns one actor per order on demand and stores each effect before answering', async () => {
    const { registry, store } = setup();
    const result = await registry.apply(envelopeOf('order.created', 'o1'));
    expect(result).toMatchObject({ kind: 'applied', changes: [{ from: 'new', to: 'pending' }] });
    expect((await store.load('o1'))?.status).toBe('pending');
    await registry.apply(envelopeOf('order.created', 'o2'));
    expect(registry.stats).toMatchObject({ live: 2, spawned: 2 });
  });

  it('answers a redelivered message as a duplicate and changes nothing', async () => {
    const { registry, store } = setup();
    const created = envelopeOf('order.created', 'o1');
    await registry.apply(created);
    expect(await registry.apply(created)).toEqual({ kind: 'duplicate' });
    expect((await store.load('o1'))?.version).toBe(1);
  });

  it('refuses a second apply to a busy order instead of dropping it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = createMemoryOrderStore();
    const slowStore: OrderStore = { load: (id) => base.load(id), save: async (r, v) => (await gate, base.save(r, v)) };
    const { registry } = setup({ store: slowStore });
    const first = registry.apply(envelopeOf('order.created', 'o1'));
    const second = registry.apply(envelopeOf('payment.failed', 'o1'));
    await expect(second).rejects.toThrow(/already applying/);
    release();
    await expect(first).resolves.toMatchObject({ kind: 'applied' });
  });
  it('counts the live actors by their record’s status, a record still loading as loading, and forgets passivated ones', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = createMemoryOrderStore();
    let holdLoads = false;
    const store: OrderStore = { load: async (id) => (holdLoads && (await gate), base.load(id)), save: (r, v) => base.save(r, v) };
    const { registry, clock } = setup({ store });
    expect(registry.liveByStatus()).toEqual({});
    await registry.apply(envelopeOf('order.created', 'o1'));
    await registry.apply(envelopeOf('order.created', 'o2'));
    await registry.apply(envelopeOf('payment.completed', 'o2'));
    holdLoads = true;
    const loading = registry.apply(envelopeOf('order.created', 'o3'));
    expect(registry.liveByStatus()).toEqual({ pending: 1, paid: 1, loading: 1 });
    release();
    await loading;
    expect(registry.liveByStatus()).toEqual({ pending: 2, paid: 1 });
    clock.advance(1000);
    registry.passivateIdle();
    expect(registry.liveByStatus()).toEqual({});
    expect(registry.stats.live).toBe(0);
  });
});

describe('order registry - passivation', () => {
  it('passivates idle actors and rehydrates them from the store on the next event', async () => {
    const { registry, clock } = setup({ idleMs: 1000 });
    await registry.apply(envelopeOf('order.created', 'o1'));
    clock.advance(1500);
    expect(registry.stats).toMatchObject({ live: 0, passivated: 1 });
    const paid = await registry.apply(envelopeOf('payment.completed', 'o1'));
    expect(paid).toMatchObject({ kind: 'applied', changes: [{ from: 'pending', to: 'paid' }] });
  });

  it('keeps at most maxLiveOrders actors, passivating the least recently used', async () => {
    const { registry } = setup({ maxLiveOrders: 3 });
    for (const id of ['a', 'b', 'c']) await registry.apply(envelopeOf('order.created', id));
    await registry.apply(envelopeOf('payment.failed', 'a')); // a is now the most recent
    await registry.apply(envelopeOf('order.created', 'd'));
    expect(registry.stats).toMatchObject({ live: 3, passivated: 1 });
    // b was the least recently used; it comes back from the store with its state intact.
    expect(await registry.apply(envelopeOf('payment.completed', 'b'))).toMatchObject({ kind: 'applied', changes: [{ to: 'paid' }] });
  });

  it('keeps a passivated order’s stash and dedup marks: they live in the store, not the actor', async () => {
    const { registry, clock } = setup({ idleMs: 1000 });
    const early = envelopeOf('payment.completed', 'o1');
    expect(await registry.apply(early)).toEqual({ kind: 'stashed' });
    clock.advance(1500);
    expect(registry.stats.live).toBe(0);
    expect(await registry.apply(early)).toEqual({ kind: 'duplicate' });
    expect(await registry.apply(envelopeOf('order.created', 'o1'))).toMatchObject({ kind: 'applied', changes: [{ to: 'pending' }, { to: 'paid' }] });
  });

  it('leaves no idle timer running after stop', () => {
    const { registry, clock } = setup();
    expect(clock.pending).toBe(1);
    registry.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('order registry - failures', () => {
  it('rejects when the store fails, and the next attempt reloads from the store', async () => {
    const base = createMemoryOrderStore();
    let failNext = false;
    const flaky: OrderStore = {
      load: (id) => base.load(id),
      save: async (r, v) => {
        if (failNext) {
          failNext = false;
          throw new Error('store unavailable');
        }
        return base.save(r, v);
      },
    };
    const { registry } = setup({ store: flaky });
    await registry.apply(envelopeOf('order.created', 'o1'));
    failNext = true;
    const payment = envelopeOf('payment.completed', 'o1');
    await expect(registry.apply(payment)).rejects.toThrow('store unavailable');
    expect(await registry.apply(payment)).toMatchObject({ kind: 'applied', changes: [{ to: 'paid' }] });
    expect((await base.load('o1'))?.version).toBe(2);
  });

  it('drops a crashed actor, rejects its caller, and restarts the order from its stored state', async () => {
    const { registry, store } = setup({ logic: crashingOnPayment({ left: 1 }) });
    await registry.apply(envelopeOf('order.created', 'o1'));
    const payment = envelopeOf('payment.completed', 'o1');
    await expect(registry.apply(payment)).rejects.toBeInstanceOf(OrderActorCrashedError);
    expect(registry.stats).toMatchObject({ live: 0, crashed: 1 });
    expect((await store.load('o1'))?.status).toBe('pending'); // nothing of the crashed attempt was stored
    // The retry rehydrates a fresh actor from the store and succeeds.
    expect(await registry.apply(payment)).toMatchObject({ kind: 'applied', changes: [{ from: 'pending', to: 'paid' }] });
  });

  it('does not let one crashed order disturb another', async () => {
    const { registry } = setup({ logic: crashingOnPayment({ left: 1 }) });
    await registry.apply(envelopeOf('order.created', 'bad'));
    await registry.apply(envelopeOf('order.created', 'good'));
    const [bad, good] = await Promise.allSettled([
      registry.apply(envelopeOf('payment.completed', 'bad')),
      registry.apply(envelopeOf('payment.completed', 'good')),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toMatchObject({ status: 'fulfilled', value: { kind: 'applied' } });
  });

  it('rejects new work after stop', async () => {
    const { registry } = setup();
    registry.stop();
    await expect(registry.apply(envelopeOf('order.created', 'o1'))).rejects.toBeInstanceOf(RegistryStoppedError);
  });
});

/** The order lifecycle with a bug: recording a payment throws, `left.left` times. */
function crashingOnPayment(budget: { left: number }) {
  return orderLifecycle.provide({
    actions: {
      recordPayment: assign(({ context, event }) => {
        if (budget.left-- > 0) throw new Error('bug in the actor');
        return event.type === 'payment.completed' && context.view
          ? { view: { ...context.view, payment: { paymentId: event.data.paymentId, amountCents: event.data.amountCents } } }
          : {};
      }),
    },
  });
}
