import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildEnvelope, encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createDelivery } from '../../src/streams/createDelivery.js';
import { decode } from '../../src/streams/decode.js';
import type { DeadLetterReason, Delivery } from '../../src/streams/delivery.js';
import { defaultData } from '../support/orderEvents.js';

type Call = string;

function delivery(body: Uint8Array, headers: Record<string, string>, refuseDeadLetter = false) {
  const calls: Call[] = [];
  const reasons: DeadLetterReason[] = [];
  const d = createDelivery(
    { body, headers },
    { gateway: 'test', channel: 'orders', coordinates: { offset: '7' }, attempt: 2, receivedAt: 0 },
    {
      ack: async () => void calls.push('ack'),
      retry: async (ms) => void calls.push(`retry ${ms}`),
      deadLetter: async (reason) => {
        calls.push('deadLetter');
        reasons.push(reason);
        if (refuseDeadLetter) throw new Error('dlq down');
      },
    },
  );
  return { d, calls, reasons };
}

const valid = () => {
  const envelope = buildEnvelope({
    type: 'order.created',
    data: defaultData('order.created', 'o-1') as never,
    id: 'e-1',
    correlationId: 'c-1',
    source: '/test',
    occurredAt: '2026-01-01T00:00:00Z',
  });
  const { body, headers } = encodeStructured(envelope);
  return delivery(body, headers);
};

const run = (deliveries: Delivery[], onDeadLetter?: (d: Delivery, r: DeadLetterReason) => void) =>
  lastValueFrom(from(deliveries).pipe(decode({ defaultCurrency: 'EUR', ...(onDeadLetter ? { onDeadLetter } : {}) }), toArray()));

describe('decode operator', () => {
  it('emits a valid CloudEvent as an envelope and settles nothing itself', async () => {
    const good = valid();
    const out = await run([good.d]);
    expect(out).toHaveLength(1);
    expect(out[0]!.envelope).toMatchObject({ id: 'e-1', key: 'o-1', type: 'order.created', version: 2 });
    expect(good.calls).toEqual([]);
  });

  it('dead-letters bad input with its reason and the attempt count, emits nothing for it, and keeps going', async () => {
    const garbage = delivery(new TextEncoder().encode('{not json'), { 'content-type': 'application/cloudevents+json' });
    const good = valid();
    const seen: DeadLetterReason[] = [];
    const out = await run([garbage.d, good.d], (_d, reason) => seen.push(reason));
    expect(out.map((o) => o.envelope.id)).toEqual(['e-1']);
    expect(garbage.calls).toEqual(['deadLetter']);
    expect(garbage.reasons[0]).toMatchObject({ code: 'decode', attempts: 2 });
    expect(garbage.reasons[0]!.message).not.toBe('');
    expect(seen).toEqual(garbage.reasons);
  });

  it('hands a message back to the broker when even the dead-letter channel refuses it', async () => {
    const garbage = delivery(new TextEncoder().encode('[]'), {}, true);
    await run([garbage.d]);
    await new Promise((r) => setTimeout(r, 0));
    expect(garbage.calls).toEqual(['deadLetter', 'retry 1000']);
  });
});
