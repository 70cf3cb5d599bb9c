import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/envelope.js';
import { interleavedOrders } from '../support/orderScripts.js';
import { harness } from '../support/pipelineHarness.js';

/** Final state of every order and the side effects, from one run of the pipeline. */
async function run(events: readonly Envelope[], orderIds: readonly string[]) {
  const h = await harness();
  try {
    await h.publish(events);
    await h.idle();
    const records = await h.records(orderIds);
    return {
      states: orderIds.map((id) => ({ id, status: records.get(id)?.status, view: records.get(id)?.view, history: records.get(id)?.history })),
      sideEffects: h.changes.map((c) => `${c.envelope.id}:${c.from}->${c.to}`).sort(),
      deadLetters: h.deadLetters(),
    };
  } finally {
    await h.stop();
  }
}

describe('pipeline property - idempotency', () => {
  it('duplicating any subset of deliveries gives the same final states and the same side effects', async () => {
    await fc.assert(
      fc.asyncProperty(
        interleavedOrders(6).chain(({ scripts, events }) =>
          // Each duplicate is re-published somewhere after its original, as a redelivery or a producer retry would be.
          fc.array(fc.tuple(fc.nat({ max: events.length - 1 }), fc.nat()), { maxLength: events.length * 2 }).map((dups) => {
            const withDuplicates = [...events];
            for (const [which, where] of dups) {
              const original = withDuplicates.indexOf(events[which]!);
              const at = original + 1 + (where % (withDuplicates.length - original));
              withDuplicates.splice(at, 0, events[which]!);
            }
            return { scripts, events, withDuplicates };
          }),
        ),
        async ({ scripts, events, withDuplicates }) => {
          const orderIds = scripts.map((s) => s[0]!.key);
          const once = await run(events, orderIds);
          const duplicated = await run(withDuplicates, orderIds);
          expect(duplicated.states).toEqual(once.states);
          expect(duplicated.sideEffects).toEqual(once.sideEffects);
          expect(once.sideEffects).toHaveLength(events.length);
          expect(duplicated.deadLetters).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
