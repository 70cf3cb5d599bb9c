import fc from 'fast-check';
import type { Envelope } from '../../src/domain/envelope.js';
import type { EventType } from '../../src/domain/orderEvents.js';
import { envelopeOf } from './orderEvents.js';

/** One order's life as its producer would publish it, in order. */
export const orderScript = (orderId: string): fc.Arbitrary<Envelope[]> =>
  fc
    .record({
      failures: fc.integer({ min: 0, max: 2 }),
      ending: fc.constantFrom<('pay' | 'ship' | 'cancel' | 'none')>('pay', 'ship', 'cancel', 'none'),
    })
    .map(({ failures, ending }) => {
      const types: EventType[] = ['order.created'];
      for (let i = 0; i < failures; i++) types.push('payment.failed');
      if (ending === 'pay' || ending === 'ship') types.push('payment.completed');
      if (ending === 'ship') types.push('order.shipped');
      if (ending === 'cancel') types.push('order.cancelled');
      return types.map((type, i) => envelopeOf(type, orderId, type === 'payment.failed' ? { paymentId: `pf-${orderId}-${i}` } : {}, `${orderId}:${i}:${type}`));
    });

/** Several orders' scripts, interleaved at random while each order keeps its own order. */
export const interleavedOrders = (maxOrders = 8) =>
  fc.integer({ min: 1, max: maxOrders }).chain((count) =>
    fc
      .tuple(...Array.from({ length: count }, (_, i) => orderScript(`o${i}`)))
      .chain((scripts) => {
        const total = scripts.reduce((n, s) => n + s.length, 0);
        return fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: total, maxLength: total }).map((keys) => {
          let k = 0;
          const tagged = scripts.flatMap((script) => {
            const mine = keys.slice(k, (k += script.length)).sort((a, b) => a - b);
            return script.map((envelope, i) => ({ envelope, at: mine[i]! }));
          });
          return { scripts, events: tagged.sort((a, b) => a.at - b.at).map((t) => t.envelope) };
        });
      }),
  );
