import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/domain/clock.js';
import { createMemoryBroker } from '../../src/gateways/memory/createMemoryBroker.js';
import { DeliveryRevokedError } from '../../src/gateways/memory/memoryBrokerErrors.js';
import type { DeadLetterReason, Delivery } from '../../src/streams/delivery.js';
import type { OutboundMessage } from '../../src/streams/source.js';

type Kind = 'ack' | 'retry' | 'deadLetter';

/** What the consumer does with one delivery: how it settles it, and whether inside `next` or later. */
interface Decision {
  readonly kind: Kind;
  readonly sync: boolean;
  readonly delayMs: number;
}

const decision: fc.Arbitrary<Decision> = fc.record({
  kind: fc.constantFrom<Kind>('ack', 'retry', 'deadLetter'),
  sync: fc.boolean(),
  delayMs: fc.integer({ min: 0, max: 50 }),
});

/** Past this attempt a retry becomes an ack, so every run ends. */
const maxAttempts = 3;
const reason: DeadLetterReason = { code: 'validation', message: 'property', attempts: 1 };
const outbound = (n: number): OutboundMessage => ({ body: new TextEncoder().encode(String(n)), headers: {}, key: `k${n % 3}` });

/** A clock whose timers fire when the fast-check scheduler decides, interleaved with everything else. */
function schedulerClock(s: fc.Scheduler): Clock & { readonly live: number } {
  const live = new Set<number>();
  let next = 0;
  let now = 0;
  return {
    get live() {
      return live.size;
    },
    now: () => now,
    setTimeout: (callback, ms): TimerHandle => {
      const handle = ++next;
      live.add(handle);
      void s.schedule(Promise.resolve(), `timer ${handle} (${ms} ms)`).then(() => {
        if (!live.delete(handle)) return;
        now += ms;
        callback();
      });
      return handle;
    },
    clearTimeout: (handle) => live.delete(handle as number),
  };
}

describe('memory broker - credit property', () => {
  it('never holds more than credit unsettled, and settles every message finally exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(decision, { minLength: 1, maxLength: 40 }),
        fc.scheduler(),
        async (credit, count, publishedEarly, decisions, s) => {
          const clock = schedulerClock(s);
          const broker = createMemoryBroker({ clock });
          const held = new Set<Delivery>();
          const violations: string[] = [];
          const emissions = new Map<string, number>();
          const retries = new Map<string, number>();
          const finals = new Map<string, number>();
          const failures: unknown[] = [];
          let deadLettered = 0;
          let emitted = 0;
          const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

          const settle = async (delivery: Delivery, { kind, delayMs }: Decision): Promise<void> => {
            held.delete(delivery);
            const offset = delivery.origin.coordinates['offset'] ?? '?';
            const chosen: Kind = kind === 'retry' && delivery.origin.attempt >= maxAttempts ? 'ack' : kind;
            try {
              if (chosen === 'ack') await delivery.ack();
              else if (chosen === 'retry') await delivery.retry(delayMs);
              else await delivery.deadLetter(reason);
            } catch (error) {
              failures.push(error);
              return;
            }
            if (chosen === 'retry') bump(retries, offset);
            else bump(finals, offset);
            if (chosen === 'deadLetter') deadLettered += 1;
          };

          const early = Math.min(publishedEarly, count);
          for (let n = 0; n < early; n += 1) await broker.publish('orders', outbound(n));

          const subscription = broker.consume({ channels: ['orders'], group: 'g', credit }).subscribe((delivery) => {
            held.add(delivery);
            bump(emissions, delivery.origin.coordinates['offset'] ?? '?');
            if (held.size > credit) violations.push(`holding ${held.size} > credit ${credit}`);
            if (broker.inFlight('orders', 'g') > credit) violations.push(`broker in flight ${broker.inFlight('orders', 'g')} > ${credit}`);
            const chosen = decisions[emitted++ % decisions.length]!;
            if (chosen.sync) void settle(delivery, chosen);
            else void s.schedule(Promise.resolve(), `settle ${chosen.kind}`).then(() => settle(delivery, chosen));
          });
          for (let n = early; n < count; n += 1) {
            void s.schedule(Promise.resolve(), `publish ${n}`).then(() => broker.publish('orders', outbound(n)));
          }

          await s.waitIdle();

          expect(violations).toEqual([]);
          expect(failures).toEqual([]);
          expect(held.size).toBe(0);
          const offsets = Array.from({ length: count }, (_, n) => String(n));
          expect([...finals.keys()].sort()).toEqual([...offsets].sort());
          for (const offset of offsets) {
            expect(finals.get(offset), `final settlements of ${offset}`).toBe(1);
            expect(emissions.get(offset), `emissions of ${offset}`).toBe((retries.get(offset) ?? 0) + 1);
          }
          expect(broker.depth('orders', 'g')).toBe(0);
          expect(broker.inFlight('orders', 'g')).toBe(0);
          expect(broker.depth('orders.dlq', 'ops')).toBe(deadLettered);
          expect(clock.live).toBe(0);

          subscription.unsubscribe();
          await broker.close();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('competing consumers that leave mid-flight lose nothing: revoked settlements reject, redeliveries settle once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(decision, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(2), { maxLength: 4 }),
        fc.scheduler(),
        async (credits, count, decisions, leavers, s) => {
          const clock = schedulerClock(s);
          const broker = createMemoryBroker({ clock });
          const violations: string[] = [];
          const finals = new Map<string, number>();
          const unexpected: unknown[] = [];
          let emitted = 0;

          const settle = async (delivery: Delivery, { kind, delayMs }: Decision): Promise<void> => {
            const offset = delivery.origin.coordinates['offset'] ?? '?';
            const chosen: Kind = kind === 'retry' && delivery.origin.attempt >= maxAttempts ? 'ack' : kind;
            try {
              if (chosen === 'ack') await delivery.ack();
              else if (chosen === 'retry') await delivery.retry(delayMs);
              else await delivery.deadLetter(reason);
            } catch (error) {
              if (!(error instanceof DeliveryRevokedError)) unexpected.push(error);
              return; // taken back by the broker: it is delivered again, so this one does not count
            }
            if (chosen !== 'retry') finals.set(offset, (finals.get(offset) ?? 0) + 1);
          };

          /** One member of the group; a leaving member is replaced at once by a fresh one with the same credit. */
          const join = (credit: number) => {
            const held = new Set<Delivery>();
            return broker.consume({ channels: ['orders'], group: 'g', credit }).subscribe((delivery) => {
              for (const d of held) if (d.settled) held.delete(d);
              held.add(delivery);
              if (held.size > credit) violations.push(`member holds ${held.size} > credit ${credit}`);
              const chosen = decisions[emitted++ % decisions.length]!;
              if (chosen.sync) void settle(delivery, chosen);
              else void s.schedule(Promise.resolve(), `settle ${chosen.kind}`).then(() => settle(delivery, chosen));
            });
          };
          const members = credits.map((credit) => ({ credit, subscription: join(credit) }));
          for (let n = 0; n < count; n += 1) {
            void s.schedule(Promise.resolve(), `publish ${n}`).then(() => broker.publish('orders', outbound(n)));
          }
          for (const leaver of leavers) {
            void s.schedule(Promise.resolve(), `leave ${leaver}`).then(() => {
              const member = members[leaver % members.length]!;
              member.subscription.unsubscribe();
              member.subscription = join(member.credit);
            });
          }

          await s.waitIdle();

          expect(violations).toEqual([]);
          expect(unexpected).toEqual([]);
          for (let n = 0; n < count; n += 1) expect(finals.get(String(n)), `final settlements of ${n}`).toBe(1);
          expect(finals.size).toBe(count);
          expect(broker.depth('orders', 'g')).toBe(0);
          expect(clock.live).toBe(0);

          for (const member of members) member.subscription.unsubscribe();
          await broker.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});
