import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/streams/delivery.js';
import { InFlight } from '../../src/streams/inFlight.js';

const delivery = (receivedAt: number) => ({ settled: false, origin: { receivedAt } }) as { settled: boolean; origin: { receivedAt: number } } & Delivery;

describe('InFlight - unsettled deliveries, oldest first', () => {
  it('answers the age of the oldest unsettled delivery and forgets settled ones', () => {
    const inFlight = new InFlight(10);
    const [a, b, c] = [delivery(100), delivery(200), delivery(300)];
    for (const d of [a, b, c]) inFlight.add(d);
    expect([inFlight.count, inFlight.oldestAgeMs(1_000)]).toEqual([3, 900]);
    b.settled = true;
    expect([inFlight.count, inFlight.oldestAgeMs(1_000)]).toEqual([2, 900]);
    a.settled = true;
    expect(inFlight.oldestAgeMs(1_000)).toBe(700);
    c.settled = true;
    expect([inFlight.count, inFlight.oldestAgeMs(1_000)]).toEqual([0, 0]);
  });

  it('stays bounded behind one stuck delivery: settled ones are swept once the set grows past its bound', () => {
    const inFlight = new InFlight(8);
    const stuck = delivery(0);
    inFlight.add(stuck);
    for (let i = 1; i <= 1_000; i++) {
      const d = delivery(i);
      inFlight.add(d);
      d.settled = true;
    }
    expect(inFlight.count).toBe(1);
    expect(inFlight.oldestAgeMs(5_000)).toBe(5_000);
    // The stuck one and at most `sweepAbove` settled ones.
    expect(inFlight.held).toBeLessThanOrEqual(9);
  });
});
