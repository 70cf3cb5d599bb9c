import fc from 'fast-check';
import { mulberry32 } from '../../src/app/cli/simulateOrders.js';
import type { PlannedMessage } from './loadPlan.js';

/** What a fuzzed message gets wrong. */
export type FuzzKind = 'bad-json' | 'wrong-types' | 'missing-fields' | 'huge-payload' | 'unknown-version' | 'unknown-type';

const ce = (id: string, orderId: string, fields: Record<string, unknown>) => ({
  specversion: '1.0',
  id,
  source: '/orderly/fuzz',
  type: 'payment.completed',
  datacontenttype: 'application/json',
  dataversion: 1,
  partitionkey: orderId,
  data: { orderId, paymentId: `${id}-p`, amountCents: 100 },
  ...fields,
});

const notNumber = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));

/**
 * The body of a fuzzed message of `kind` for event `id` of order `orderId`: bytes Orderly's
 * decoder must refuse, each with a reason. `huge-payload` is 64–512 KiB of a field of the wrong type.
 */
function fuzzBody(kind: FuzzKind, id: string, orderId: string): fc.Arbitrary<string> {
  switch (kind) {
    case 'bad-json':
      return fc
        .oneof(fc.string({ minLength: 1, maxLength: 200 }), fc.constant(JSON.stringify(ce(id, orderId, {}))).chain((s) => fc.integer({ min: 1, max: s.length - 1 }).map((n) => s.slice(0, n))))
        .filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        });
    case 'wrong-types':
      return fc
        .record({ field: fc.constantFrom('orderId', 'paymentId', 'amountCents'), value: notNumber })
        .filter(({ field, value }) => !(field !== 'amountCents' && typeof value === 'string' && value.length > 0))
        .map(({ field, value }) => JSON.stringify(ce(id, orderId, { data: { orderId, paymentId: `${id}-p`, amountCents: 100, [field]: value } })));
    case 'missing-fields':
      return fc.constantFrom('paymentId', 'amountCents', 'data').map((field) => {
        const event: Record<string, unknown> = ce(id, orderId, {});
        if (field === 'data') delete event.data;
        else delete (event.data as Record<string, unknown>)[field];
        return JSON.stringify(event);
      });
    case 'huge-payload':
      return fc.integer({ min: 64, max: 512 }).map((kib) => JSON.stringify(ce(id, orderId, { data: { orderId, paymentId: `${id}-p`, amountCents: 'x'.repeat(kib * 1024) } })));
    case 'unknown-version':
      return fc.integer({ min: 2, max: 1_000 }).map((dataversion) => JSON.stringify(ce(id, orderId, { dataversion })));
    case 'unknown-type':
      return fc.stringMatching(/^[a-z]{3,10}\.[a-z]{3,10}$/).filter((t) => !t.startsWith('order.') && !t.startsWith('payment.')).map((type) => JSON.stringify(ce(id, orderId, { type })));
  }
}

/** `count` fuzzed messages spread over the plan's orders, seeded; the plan's own messages keep their order. */
export function mixInFuzz(plan: PlannedMessage[][], count: number, seed: number): { plan: PlannedMessage[][]; kinds: Record<FuzzKind, number> } {
  const random = mulberry32(seed);
  const kinds: Record<FuzzKind, number> = { 'bad-json': 0, 'wrong-types': 0, 'missing-fields': 0, 'huge-payload': 0, 'unknown-version': 0, 'unknown-type': 0 };
  const weighted: FuzzKind[] = ['bad-json', 'bad-json', 'wrong-types', 'wrong-types', 'missing-fields', 'missing-fields', 'unknown-version', 'unknown-version', 'unknown-type', 'unknown-type'];
  const out = plan.map((order) => [...order]);
  for (let n = 0; n < count; n++) {
    const order = out[Math.floor(random() * out.length)]!;
    const { orderId, userId } = order[0]!;
    // One in a hundred is huge: enough to show big bodies are refused, not so many that the broker's backlog is gigabytes.
    const kind = random() < 0.01 ? 'huge-payload' : weighted[Math.floor(random() * weighted.length)]!;
    kinds[kind]++;
    const id = `${orderId}-z${n + 1}`;
    const [body] = fc.sample(fuzzBody(kind, id, orderId), { numRuns: 1, seed: Math.floor(random() * 2 ** 31) });
    const message = { body: new TextEncoder().encode(body), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'message-id': id }, key: orderId };
    const at = 1 + Math.floor(random() * order.length); // never before the order's creation, so the valid traffic is unchanged
    order.splice(at, 0, { id, orderId, userId, seq: 0, kind: 'invalid', type: kind, message });
  }
  return { plan: out.map((order) => order.map((m, i) => ({ ...m, seq: i + 1 }))), kinds };
}
