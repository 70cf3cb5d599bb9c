/**
 * Where an event's time goes: each stage of the pipeline on its own, in microseconds per call.
 *
 *   npm run build && node dist/bench/stages.bench.js
 */
import { createActor } from 'xstate';
import { decideOrder } from '../src/actors/decideOrder.js';
import { orderLifecycle } from '../src/actors/orderLifecycle.js';
import { defaultOrderLimits } from '../src/actors/orderLimits.js';
import { emptyRecord } from '../src/actors/orderRecord.js';
import { OrderRegistry } from '../src/actors/orderRegistry.js';
import { systemClock } from '../src/domain/clock.js';
import { decodeEnvelope } from '../src/domain/decodeEnvelope.js';
import { buildEnvelope, encodeStructured } from '../src/domain/encodeEnvelope.js';
import { createMemoryOrderStore } from '../src/gateways/memory/createMemoryOrderStore.js';

const N = 30_000;
const created = (i: number) =>
  buildEnvelope({
    type: 'order.created',
    data: { orderId: `o-${i}`, userId: 'u', items: [{ productId: 'p', quantity: 2, priceCents: 500 }], totalCents: 1000, currency: 'EUR', timestamp: '2026-01-01T00:00:00.000Z' },
    id: `c:${i}`,
    correlationId: `c-${i}`,
    source: '/bench',
    occurredAt: '2026-01-01T00:00:00.000Z',
  });

async function time(label: string, run: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < 2000; i++) await run(N + i); // warm up the JIT on items the timed loop does not touch
  const started = performance.now();
  for (let i = 0; i < N; i++) await run(i);
  process.stdout.write(`| ${label} | ${(((performance.now() - started) * 1000) / N).toFixed(1)} |\n`);
}

const envelopes = Array.from({ length: N + 2000 }, (_, i) => created(i));
const messages = envelopes.map(encodeStructured);
const context = { channel: 'orders', coordinates: { offset: '1' }, gateway: 'memory', defaultCurrency: 'EUR', maxBodyBytes: 1 << 20, now: Date.now, newId: () => 'id' };
const paid = { type: 'payment.completed', data: { orderId: 'o', paymentId: 'p', amountCents: 1000 } } as const;

process.stdout.write('| stage | µs per call |\n| --- | ---: |\n');
await time('encode a CloudEvent (producer side)', (i) => encodeStructured(envelopes[i]!));
await time('decode + validate + upcast', (i) => decodeEnvelope(messages[i]!, context));
await time('decide one event (lifecycle transition, dedup, record)', (i) => decideOrder(emptyRecord(`o-${i}`), envelopes[i]!, defaultOrderLimits, 0));
await time('bare XState: create, start, 2 sends, stop', () => {
  const actor = createActor(orderLifecycle).start();
  actor.send(envelopes[0]!.data ? { type: 'order.created', data: envelopes[0]!.data } : paid);
  actor.send(paid);
  actor.stop();
});
for (const compact of [false, true]) {
  const store = createMemoryOrderStore({ compact });
  await time(`store save, compact=${compact}`, (i) => store.save({ ...emptyRecord(`o-${i}`), version: 1 }, 0));
  const registry = new OrderRegistry({
    deps: { store: createMemoryOrderStore({ compact }), clock: systemClock, limits: defaultOrderLimits, park: async () => undefined },
    maxLiveOrders: 100_000,
  });
  await time(`order registry apply (new order: spawn, decide, save), compact=${compact}`, (i) => registry.apply(envelopes[i]!));
  registry.stop();
}
