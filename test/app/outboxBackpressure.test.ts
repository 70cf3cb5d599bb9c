import { afterEach, describe, expect, it } from 'vitest';
import type { OrderStore } from '../../src/actors/orderStore.js';
import type { Envelope } from '../../src/domain/envelope.js';
import type { MemoryOrderStore } from '../../src/gateways/memory/index.js';
import { envelopeOf } from '../support/orderEvents.js';
import { harness, type Harness } from '../support/pipelineHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Each order created, then paid: two transitions, two status events. */
const paidOrders = (count: number): Envelope[] =>
  Array.from({ length: count }, (_, i) => [envelopeOf('order.created', `o${i}`), envelopeOf('payment.completed', `o${i}`)]).flat();

describe('pipeline - a full outbox holds events back, never dead-letters them', () => {
  it('with room for one status event and a single attempt per event, every event is applied and none dead-lettered', async () => {
    // Sixteen orders at a time race for one outbox slot; before back-pressure a save refused for a
    // full outbox used up the event's one attempt and dead-lettered a valid event.
    const refused: unknown[] = [];
    h = await harness({
      config: { ORDERLY_STATUS_EVENTS: 'true', ORDERLY_MAX_ATTEMPTS: '1' },
      store: { maxOutboxPending: 1 },
      // A slow status broker: each published status event stays in the outbox 20 ms longer.
      wrapStore: (store) => {
        const inner = store as MemoryOrderStore;
        return {
          load: (orderId) => inner.load(orderId),
          save: (...args) => inner.save(...args).catch((error: unknown) => (refused.push(error), Promise.reject(error))),
          readOutbox: (limit: number) => inner.readOutbox(limit),
          removeOutbox: async (ids: readonly string[]) => (await new Promise((r) => setTimeout(r, 20)), inner.removeOutbox(ids)),
          outboxBacklog: () => inner.outboxBacklog(),
        } as OrderStore;
      },
    });
    await h.publish(paidOrders(40));
    await h.idle();
    const records = await h.records(Array.from({ length: 40 }, (_, i) => `o${i}`));
    expect([...records.values()].map((r) => r?.status)).toEqual(Array<string>(40).fill('paid'));
    expect(h.deadLetters()).toBe(0);
    expect(refused.length).toBeGreaterThan(0); // the outbox really was full, again and again
    expect(refused.every((e) => (e as Error).name === 'OutboxFullError')).toBe(true);
  });
});
