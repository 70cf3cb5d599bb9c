import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderStore } from '../../src/actors/orderStore.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { interleavedOrders } from '../support/orderScripts.js';
import { harness, type Harness } from '../support/pipelineHarness.js';

const summary = async (h: Harness, orderIds: readonly string[]) => {
  const records = await h.records(orderIds);
  return orderIds.map((id) => ({ id, status: records.get(id)?.status, view: records.get(id)?.view, applied: records.get(id)?.history.map((e) => e.eventId) }));
};

/**
 * Fails store writes by a repeating pattern. A failing write may still have happened (the
 * `afterWrite` case), exactly as a store that times out after committing: the pipeline must
 * reload and find the effect, not apply it twice.
 */
function faultyStore(pattern: readonly ('ok' | 'before' | 'after')[]) {
  let call = 0;
  return (store: OrderStore): OrderStore => ({
    load: (id) => store.load(id),
    save: async (record, version) => {
      const fault = pattern[call++ % pattern.length];
      if (fault === 'before') throw new Error('injected: store unavailable');
      await store.save(record, version);
      if (fault === 'after') throw new Error('injected: reply lost after the write');
    },
  });
}

describe('pipeline property - recovery', () => {
  it('converges to the failure-free result under store faults and consumer crashes with redelivery; nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        interleavedOrders(6),
        // At least one 'ok' per pattern, so every write eventually succeeds within the attempt limit.
        fc.array(fc.constantFrom<'ok' | 'before' | 'after'>('ok', 'before', 'after'), { minLength: 1, maxLength: 6 }).map((p) => [...p, 'ok' as const]),
        fc.array(fc.nat({ max: 60 }), { maxLength: 3 }),
        async ({ scripts, events }, pattern, crashPoints) => {
          const orderIds = scripts.map((s) => s[0]!.key);
          const clean = await harness();
          await clean.publish(events);
          await clean.idle();
          const expected = await summary(clean, orderIds);
          await clean.stop();

          const h = await harness({ wrapStore: faultyStore(pattern) });
          try {
            await h.publish(events);
            // Crash the consumer at chosen moments: whatever it held unsettled is redelivered to the next one.
            for (const ms of crashPoints) {
              await new Promise((r) => setTimeout(r, ms % 5));
              await h.restart();
            }
            await h.idle();
            expect(await summary(h, orderIds)).toEqual(expected);
            expect(h.deadLetters()).toBe(0);
          } finally {
            await h.stop();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('a payment that arrives before its order converges to the same state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), async (paymentFirst) => {
        const { envelopeOf } = await import('../support/orderEvents.js');
        const events: Envelope[] = [];
        const inOrder: Envelope[] = [];
        paymentFirst.forEach((early, i) => {
          const created = envelopeOf('order.created', `p${i}`, {}, `p${i}:created`);
          const paid = envelopeOf('payment.completed', `p${i}`, {}, `p${i}:paid`);
          events.push(...(early ? [paid, created] : [created, paid]));
          inOrder.push(created, paid);
        });
        const orderIds = paymentFirst.map((_, i) => `p${i}`);
        const reference = await harness();
        await reference.publish(inOrder);
        await reference.idle();
        const expected = await summary(reference, orderIds);
        await reference.stop();

        const h = await harness();
        try {
          await h.publish(events);
          await h.idle();
          const states = await summary(h, orderIds);
          expect(states.map((s) => s.status)).toEqual(orderIds.map(() => 'paid'));
          expect(states).toEqual(expected);
          expect(h.deadLetters()).toBe(0);
        } finally {
          await h.stop();
        }
      }),
      { numRuns: 30 },
    );
  });
});
