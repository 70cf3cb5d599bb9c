import { describe, expect, it } from 'vitest';
import { replayDeadLetter } from '../../src/streams/replayDeadLetter.js';
import { envelopeOf } from '../support/orderEvents.js';
import { harness } from '../support/pipelineHarness.js';

describe('order handler - a refused event replayed from the dead-letter index', () => {
  it('is decided afresh (a redelivery of it is a duplicate), so fixing the cause and replaying applies it once', async () => {
    const id = 'o-replay';
    const early = envelopeOf('order.shipped', id, { trackingNumber: 'EARLY' }, `${id}:ship`);
    const h = await harness();
    try {
      await h.publish([envelopeOf('order.created', id, {}, `${id}:1`), early, envelopeOf('payment.completed', id, {}, `${id}:2`), early]);
      await h.idle();
      expect((await h.store.load(id))?.status).toBe('paid');
      const [entry, ...more] = await h.pipeline.deadLetters.store.list();
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ eventId: early.id, reason: 'forbidden-transition' });

      // The cause is fixed (the payment is there): the operator replays it, twice by mistake.
      await replayDeadLetter(entry!, { store: h.pipeline.deadLetters.store, sinkFor: () => h.pipeline.publisher });
      await replayDeadLetter(entry!, { store: h.pipeline.deadLetters.store, sinkFor: () => h.pipeline.publisher });
      await h.idle();
      const record = await h.store.load(id);
      expect(record?.status).toBe('shipped');
      expect(record?.history.filter((e) => e.eventId === early.id)).toHaveLength(1);
      expect(await h.pipeline.deadLetters.store.list()).toEqual([]);
      expect(h.deadLetters()).toBe(1); // the broker's copy of the first refusal, nothing more
    } finally {
      await h.stop();
    }
  });
});
