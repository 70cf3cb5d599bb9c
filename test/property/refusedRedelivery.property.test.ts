import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/envelope.js';
import { envelopeOf } from '../support/orderEvents.js';
import { orderScript } from '../support/orderScripts.js';
import { harness } from '../support/pipelineHarness.js';

/** Events the rules refuse wherever they stand in their order's script. */
type Misfit = 'early-ship' | 'second-create' | 'after-cancel';

/** One order's script with some refused events in it, and those events. */
const scriptWithRefusals = (orderId: string) =>
  fc.tuple(orderScript(orderId), fc.subarray<Misfit>(['early-ship', 'second-create', 'after-cancel'])).map(([script, misfits]) => {
    const events = [...script];
    const refused: Envelope[] = [];
    const insert = (at: number, envelope: Envelope) => {
      events.splice(at, 0, envelope);
      refused.push(envelope);
    };
    // Shipping before any payment, right after the creation: the order is pending.
    if (misfits.includes('early-ship')) insert(1, envelopeOf('order.shipped', orderId, { trackingNumber: 'EARLY' }, `${orderId}:early-ship`));
    if (misfits.includes('second-create')) insert(events.length, envelopeOf('order.created', orderId, {}, `${orderId}:second-create`));
    if (misfits.includes('after-cancel') && events.some((e) => e.type === 'order.cancelled')) {
      insert(events.length, envelopeOf('payment.completed', orderId, {}, `${orderId}:after-cancel`));
    }
    return { events, refused };
  });

/** Up to 5 orders, interleaved at random while each keeps its own order; each refused event redelivered 0–2 times somewhere after itself. */
const runs = fc.integer({ min: 1, max: 5 }).chain((count) =>
  fc.tuple(...Array.from({ length: count }, (_, i) => scriptWithRefusals(`o${i}`))).chain((orders) => {
    const total = orders.reduce((n, o) => n + o.events.length, 0);
    const refused = orders.flatMap((o) => o.refused);
    return fc
      .record({
        keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: total, maxLength: total }),
        redeliveries: fc.array(fc.tuple(fc.nat({ max: Math.max(0, refused.length - 1) }), fc.nat()), { maxLength: refused.length * 2 }),
      })
      .map(({ keys, redeliveries }) => {
        let k = 0;
        const tagged = orders.flatMap(({ events }) => {
          const mine = keys.slice(k, (k += events.length)).sort((a, b) => a - b);
          return events.map((envelope, i) => ({ envelope, at: mine[i]! }));
        });
        const events = tagged.sort((a, b) => a.at - b.at).map((t) => t.envelope);
        const withRedeliveries = [...events];
        if (refused.length > 0) {
          for (const [which, where] of redeliveries) {
            const original = withRedeliveries.indexOf(refused[which]!);
            withRedeliveries.splice(original + 1 + (where % (withRedeliveries.length - original)), 0, refused[which]!);
          }
        }
        return { orderIds: orders.map((_, i) => `o${i}`), events, withRedeliveries, refused: refused.length };
      });
  }),
);

/** Final state of every order, the changes announced and the dead letters, from one run of the pipeline. */
async function run(events: readonly Envelope[], orderIds: readonly string[]) {
  const h = await harness();
  try {
    await h.publish(events);
    await h.idle();
    const records = await h.records(orderIds);
    const index = await h.pipeline.deadLetters.store.list({ limit: 1000 });
    return {
      states: orderIds.map((id) => ({ id, status: records.get(id)?.status, view: records.get(id)?.view, history: records.get(id)?.history })),
      changes: h.changes.map((c) => `${c.envelope.id}:${c.from}->${c.to}`).sort(),
      deadLetters: index.map((e) => `${e.eventId} ${e.reason}: ${e.message}`).sort(),
      onBroker: h.deadLetters(),
    };
  } finally {
    await h.stop();
  }
}

describe('pipeline property - redelivered refusals', () => {
  it('redelivering refused events gives the same final states, the same changes and the same dead letters as delivering each once', async () => {
    await fc.assert(
      fc.asyncProperty(runs, async ({ orderIds, events, withRedeliveries, refused }) => {
        const once = await run(events, orderIds);
        const redelivered = await run(withRedeliveries, orderIds);
        expect(redelivered.states).toEqual(once.states);
        expect(redelivered.changes).toEqual(once.changes);
        expect(redelivered.deadLetters).toEqual(once.deadLetters);
        expect(redelivered.onBroker).toBe(once.onBroker);
        // Every refused event dead-lettered exactly once, with its reason.
        expect(once.deadLetters).toHaveLength(refused);
        expect(once.onBroker).toBe(refused);
      }),
      { numRuns: 40 },
    );
  });

  it('the scale oracle’s o6599: the early shipment redelivered after the payment stays dead-lettered once and the real one is applied', async () => {
    const id = 'o6599';
    const early = envelopeOf('order.shipped', id, { trackingNumber: 'EARLY' }, `${id}:7`);
    const shipped = envelopeOf('order.shipped', id, { trackingNumber: 'REAL' }, `${id}:10`);
    const events = [envelopeOf('order.created', id, {}, `${id}:1`), early, envelopeOf('payment.completed', id, {}, `${id}:9`), early, shipped];
    const h = await harness();
    try {
      await h.publish(events);
      await h.idle();
      const record = await h.store.load(id);
      expect(record?.status).toBe('shipped');
      expect(record?.view?.shipment?.trackingNumber).toBe('REAL');
      expect(record?.history.map((e) => e.eventId)).toEqual([`${id}:1`, `${id}:9`, `${id}:10`]);
      // One dead letter, with everything of the delivery it came from.
      const index = await h.pipeline.deadLetters.store.list({ limit: 10 });
      expect(index).toHaveLength(1);
      expect(index[0]).toMatchObject({
        eventId: early.id,
        reason: 'forbidden-transition',
        message: 'order.shipped is not allowed when the order is pending',
        attempts: 1,
        correlationId: early.correlationId,
        origin: { gateway: 'memory', channel: 'orders' },
      });
      expect(Object.keys(index[0]!.origin.coordinates).length).toBeGreaterThan(0);
      expect(index[0]!.context?.snapshot).toMatchObject({ status: 'pending' });
      expect(h.deadLetters()).toBe(1);
    } finally {
      await h.stop();
    }
  });
});
