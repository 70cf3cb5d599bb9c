import fc from 'fast-check';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { OrderChange } from '../../src/actors/decideOrder.js';
import { defaultOrderLimits } from '../../src/actors/orderLimits.js';
import { OrderRegistry } from '../../src/actors/orderRegistry.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { LiveAnnouncer } from '../../src/app/liveAnnouncer.js';
import { orderHandler } from '../../src/app/orderHandler.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/createMemoryOrderStore.js';
import { FakeClock } from '../support/fakeClock.js';
import { interleavedOrders } from '../support/orderScripts.js';

/**
 * Where a process dies while handling one delivery (its first attempt only):
 * - `announce-lost`: after the store write, while the change is on its way to the hub bus;
 * - `before-ack`: after the bus has the change, before the ack.
 * Either way the broker redelivers the event to a fresh process over the same store.
 */
type Crash = 'none' | 'announce-lost' | 'before-ack';

class ProcessDied extends Error {}

const silent = pino({ level: 'silent' });

/** One Orderly process: a registry over the shared store, its order handler, and the bus it announces to. */
function startProcess(store: OrderStore, bus: OrderChange[], crash: { next: Crash }) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new OrderRegistry({ deps: { store, clock, limits: defaultOrderLimits, park: async () => undefined, keepLastChanges: true }, clock, maxLiveOrders: 100, idleMs: 60_000 });
  const live = new LiveAnnouncer();
  live.attach(async (changes) => {
    if (crash.next === 'announce-lost') throw new ProcessDied('died before the bus had the change');
    bus.push(...changes);
  });
  return { registry, handle: orderHandler(registry, new Subject<OrderChange>(), live, silent) };
}

/** What every hub shows its clients: the bus in order, a repeat of an id it has shown dropped. */
function shown(bus: readonly OrderChange[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const change of bus) {
    const key = `${change.view.orderId} ${change.envelope.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`${key} ${change.from}→${change.to}`);
  }
  return out;
}

/** Delivers `events` in order, acking each once handled; a crash redelivers the same event to a new process. */
async function deliver(events: readonly Envelope[], crashes: readonly Crash[]): Promise<string[]> {
  const store = createMemoryOrderStore();
  const bus: OrderChange[] = [];
  const crash = { next: 'none' as Crash };
  let process = startProcess(store, bus, crash);
  for (const [i, envelope] of events.entries()) {
    crash.next = crashes[i] ?? 'none';
    for (;;) {
      try {
        await process.handle(envelope);
        if (crash.next === 'before-ack') throw new ProcessDied('died before the ack');
        break;
      } catch (error) {
        if (!(error instanceof ProcessDied)) throw error;
        process.registry.stop();
        crash.next = 'none';
        process = startProcess(store, bus, crash);
      }
    }
  }
  process.registry.stop();
  return shown(bus);
}

/** Orders interleaved; in some, the payment or a failure arrives before the order (stashed, then drained). */
const runs = interleavedOrders(6).chain(({ scripts, events }) =>
  fc
    .record({
      early: fc.array(fc.boolean(), { minLength: scripts.length, maxLength: scripts.length }),
      crashes: fc.array(fc.constantFrom<Crash>('none', 'none', 'announce-lost', 'before-ack'), { minLength: events.length, maxLength: events.length }),
    })
    .map(({ early, crashes }) => {
      const order = [...events];
      scripts.forEach((script, i) => {
        if (!early[i] || script.length < 2) return;
        const [a, b] = [order.indexOf(script[0]!), order.indexOf(script[1]!)];
        [order[a], order[b]] = [order[b]!, order[a]!];
      });
      return { events: order, crashes };
    }),
);

describe('property: real-time clients see every applied change once, in order, across crashes and redeliveries', () => {
  it('what the hubs show equals what a run without crashes shows', async () => {
    await fc.assert(
      fc.asyncProperty(runs, async ({ events, crashes }) => {
        const expected = await deliver(events, []);
        expect(expected.length).toBeGreaterThan(0);
        expect(await deliver(events, crashes)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
