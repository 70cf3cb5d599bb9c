import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { interleavedOrders } from '../support/orderScripts.js';
import { harness } from '../support/pipelineHarness.js';

describe('pipeline property - per-order order', () => {
  it('applies each order’s events in source order, whatever the interleaving and store delays', async () => {
    await fc.assert(
      fc.asyncProperty(interleavedOrders(), fc.scheduler(), async ({ scripts, events }, s) => {
        // Every store write waits for the scheduler, which releases them in an order of its choosing.
        const delayed = (store: OrderStore): OrderStore => ({
          load: (id) => store.load(id),
          save: async (record, version) => {
            await s.schedule(Promise.resolve(), `save ${record.orderId} v${record.version}`);
            return store.save(record, version);
          },
        });
        const h = await harness({ wrapStore: delayed });
        try {
          await h.publish(events);
          await s.waitFor(h.idle());
          const records = await h.records(scripts.map((script) => script[0]!.key));
          for (const script of scripts) {
            const record = records.get(script[0]!.key);
            expect(record?.history.map((entry) => entry.eventId)).toEqual(script.map((e) => e.id));
          }
          expect(h.deadLetters()).toBe(0);
        } finally {
          await h.stop();
        }
      }),
      { numRuns: 40 },
    );
  });
});
