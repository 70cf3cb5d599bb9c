import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../src/actors/orderView.js';
import { startPipeline, type Pipeline } from '../../src/app/startPipeline.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createMemoryBroker, createMemoryOrderStore, type MemoryBroker, type MemoryOrderStore } from '../../src/gateways/memory/index.js';
import type { BrokerGateway } from '../../src/streams/brokerGateway.js';
import { interleavedOrders } from '../support/orderScripts.js';
import { silent, testConfig } from '../support/pipelineHarness.js';

/**
 * Where a crash (or a failure) is injected, counted per hook: the `at`-th store write, or the
 * `at`-th publish to the status channel. A crash abandons the whole pipeline at that point —
 * actors, relay and unsettled deliveries — and starts a fresh one on the same broker and store.
 */
type Fault =
  | { readonly kind: 'crash-before-write'; readonly at: number }
  | { readonly kind: 'crash-after-write'; readonly at: number }
  | { readonly kind: 'crash-after-publish'; readonly at: number } // the broker has it; nothing was removed
  | { readonly kind: 'publish-fails'; readonly at: number }
  | { readonly kind: 'remove-fails'; readonly at: number };

const faultArb: fc.Arbitrary<Fault> = fc.record({
  kind: fc.constantFrom('crash-before-write', 'crash-after-write', 'crash-after-publish', 'publish-fails', 'remove-fails'),
  at: fc.nat({ max: 12 }),
});

interface Published {
  readonly id: string;
  readonly orderId: string;
  readonly from: string;
  readonly to: string;
  readonly cause: string;
  readonly body: string;
}

/** What the order rules say: one status event per transition that changes the status, in order. */
function expectedTransitions(scripts: readonly Envelope[][]): Map<string, string[]> {
  const next: Record<string, (from: OrderStatus) => OrderStatus> = {
    'order.created': () => 'pending',
    'payment.failed': () => 'payment_failed',
    'payment.completed': () => 'paid',
    'order.shipped': () => 'shipped',
    'order.cancelled': () => 'cancelled',
  };
  const expected = new Map<string, string[]>();
  for (const script of scripts) {
    let status: OrderStatus = 'new';
    const transitions: string[] = [];
    for (const envelope of script) {
      const to = next[envelope.type]!(status);
      if (to !== status) transitions.push(`${status}->${to} by ${envelope.id}`);
      status = to;
    }
    expected.set(script[0]!.key, transitions);
  }
  return expected;
}

/** The embedded pipeline with faults injected at the store and at the status channel's publish. */
async function faultyRun(events: readonly Envelope[], faults: readonly Fault[]): Promise<{ published: Published[]; crashes: number }> {
  const config = testConfig({ ORDERLY_STATUS_EVENTS: 'true' }); // off by default on the embedded broker
  const broker: MemoryBroker = createMemoryBroker();
  const store: MemoryOrderStore = createMemoryOrderStore();
  const faultAt = (kinds: readonly Fault['kind'][], index: number) => faults.find((f) => kinds.includes(f.kind) && f.at === index)?.kind;
  let pipeline: Pipeline;
  let crashRequested = false;
  let crashes = 0;
  /** Dies here: nothing more of this pipeline runs; the driver starts the next one. */
  const crash = (): void => {
    crashes++;
    crashRequested = true;
    pipeline.abandon();
  };

  let saves = 0;
  let removes = 0;
  const faultyStore: MemoryOrderStore = {
    get size() {
      return store.size;
    },
    load: (id) => store.load(id),
    scan: () => store.scan(),
    async save(record, version, outbox) {
      const fault = faultAt(['crash-before-write', 'crash-after-write'], saves++);
      if (fault === 'crash-before-write') {
        crash();
        throw new Error('injected: crashed before the store write');
      }
      await store.save(record, version, outbox);
      if (fault === 'crash-after-write') {
        crash();
        throw new Error('injected: crashed after the store write');
      }
    },
    readOutbox: (limit) => store.readOutbox(limit),
    async removeOutbox(ids) {
      if (faultAt(['remove-fails'], removes++)) throw new Error('injected: remove failed');
      await store.removeOutbox(ids);
    },
    outboxBacklog: () => store.outboxBacklog(),
  };

  let statusPublishes = 0;
  const published: Published[] = [];
  const gateway: BrokerGateway = {
    ...broker,
    async publish(channel, message) {
      if (channel !== config.ORDERLY_STATUS_CHANNEL) return broker.publish(channel, message);
      const fault = faultAt(['crash-after-publish', 'publish-fails'], statusPublishes++);
      if (fault === 'publish-fails') throw new Error('injected: broker refused');
      await broker.publish(channel, message);
      const body = new TextDecoder().decode(message.body);
      const event = JSON.parse(body) as { id: string; data: { orderId: string; from: string; to: string; eventId: string } };
      published.push({ id: event.id, orderId: event.data.orderId, from: event.data.from, to: event.data.to, cause: event.data.eventId, body });
      if (fault === 'crash-after-publish') crash();
    },
  };

  const start = () => startPipeline(config, { logger: silent, gateways: { memory: gateway }, store: faultyStore });
  pipeline = await start();
  try {
    for (const envelope of events) await broker.publish('orders', encodeStructured(envelope));
    const group = config.ORDERLY_CONSUMER_GROUP;
    for (let i = 0; ; i++) {
      if (crashRequested) {
        crashRequested = false;
        pipeline = await start();
      }
      const idle = config.ORDERLY_CHANNELS.every((channel) => broker.depth(channel, group) === 0);
      if (idle && (await store.outboxBacklog()) === 0 && !crashRequested) break;
      if (i > 5000) throw new Error('did not settle within 5 s');
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    await pipeline.stop(1000);
    await broker.close();
  }
  return { published, crashes };
}

describe('status events property - transactional outbox under crashes', () => {
  it('publishes every transition at least once with a stable id, in per-order order; distinct ids = transitions', async () => {
    let runsWithCrash = 0;
    let runsWithResend = 0;
    await fc.assert(
      fc.asyncProperty(interleavedOrders(5), fc.array(faultArb, { maxLength: 4 }), async ({ scripts, events }, faults) => {
        const expected = expectedTransitions(scripts);
        const { published, crashes } = await faultyRun(events, faults);
        if (crashes > 0) runsWithCrash++;

        // A re-send is the same event: same id, same bytes.
        const byId = new Map<string, Published>();
        for (const p of published) {
          const first = byId.get(p.id);
          if (first) expect(p.body).toBe(first.body);
          else byId.set(p.id, p);
        }
        // After dedup by id (first occurrence), each order's events are its transitions, in order, each once.
        const seen = new Map<string, string[]>([...expected.keys()].map((id) => [id, []]));
        for (const p of byId.values()) seen.get(p.orderId)?.push(`${p.from}->${p.to} by ${p.cause}`);
        expect(seen).toEqual(expected);
        const transitions = [...expected.values()].reduce((n, t) => n + t.length, 0);
        expect(byId.size).toBe(transitions);
        if (published.length > byId.size) runsWithResend++;
      }),
      { numRuns: 60 },
    );
    // Not vacuous: the faults did fire, and re-sends did happen, in a fair share of the runs.
    expect(runsWithCrash).toBeGreaterThanOrEqual(3);
    expect(runsWithResend).toBeGreaterThanOrEqual(3); // about a quarter of the runs re-send
  });
});
