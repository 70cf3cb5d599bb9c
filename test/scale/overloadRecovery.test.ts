import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recoveryOf, type BacklogPoint } from './overloadRecovery.js';

interface Run {
  readonly overload: BacklogPoint[];
  readonly drain: BacklogPoint[];
}

/**
 * A consumer group read once a second: the producer at `high`/s for `overloadS` seconds and then
 * at `normal`/s, the consumer taking `consumed(t)`/s off the stream, until the lag is at most one
 * second of normal traffic (as `overloadRun` stops). The consumer holds `credit` messages.
 */
function simulate(o: { overloadS: number; high: number; normal: number; consumed: (t: number) => number; credit?: number; speed?: (t: number) => number }): Run {
  const credit = o.credit ?? 256;
  let added = 0;
  let read = 0;
  const overload: BacklogPoint[] = [];
  const drain: BacklogPoint[] = [];
  for (let t = 1; t <= 10_000; t++) {
    added += t <= o.overloadS ? o.high : o.normal;
    read = Math.min(added, read + o.consumed(t));
    const point = { atS: t, entriesRead: read, lag: added - read, pending: Math.min(credit, read), ...(o.speed ? { speed: o.speed(t) } : {}) };
    if (t <= o.overloadS) overload.push(point);
    else drain.push(point);
    if (t > o.overloadS && point.lag <= o.normal) return { overload, drain };
  }
  throw new Error('the simulated lag never drained');
}

describe('recoveryOf', () => {
  it('predicts the drain from the rate the consumer kept while overloaded, whatever S its load came from', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 8000 }), // what the consumer keeps up
        fc.double({ min: 0.6, max: 1.6, noNaN: true }), // its S estimate ÷ that: the load is made from the estimate
        fc.integer({ min: 20, max: 60 }),
        (kept, sError, overloadS) => {
          const s = kept * sError;
          fc.pre(0.5 * s < 0.9 * kept); // a normal rate it can drain at
          const run = simulate({ overloadS, high: Math.round(2 * s), normal: Math.round(0.5 * s), consumed: () => kept });
          const recovery = recoveryOf(run.overload, run.drain)!;
          expect(recovery.overloadRate).toBeCloseTo(kept, 6);
          // Readings a second apart: in its last second the consumer may run out of lag to take.
          expect(recovery.factor).toBeGreaterThanOrEqual(1 - 1e-9);
          expect(recovery.factor).toBeLessThanOrEqual(1 + 1 / recovery.expectedS + 1e-9);
        },
      ),
    );
  });

  it('shows a consumer that stalls after the overload as recovering slower, by the time it lost', () => {
    const stall = (t: number) => (t > 60 && t <= 80 ? 0 : 1000);
    const run = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: stall });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.overloadRate).toBe(1000);
    expect(recovery.publishRate).toBe(500);
    // 60,000 behind: 120 s at 1,000/s against 500/s, and 20 s more in which the lag grew by 10,000.
    expect(recovery.expectedS).toBeCloseTo((60_000 - run.drain.at(-1)!.lag) / 500, 6);
    expect(recovery.drainS).toBe(run.drain.at(-1)!.atS - 60);
    expect(recovery.factor).toBeGreaterThan(1.3);
    const steadyRun = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: () => 1000 });
    const steady = recoveryOf(steadyRun.overload, steadyRun.drain)!;
    expect(steady.factor).toBeCloseTo(1, 9);
  });

  it('shows a consumer that speeds up once the producer slows as recovering faster', () => {
    const run = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: (t) => (t <= 60 ? 1000 : 1250) });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.drainRate).toBeCloseTo(1250, 0);
    expect(recovery.factor).toBeCloseTo(500 / 750, 1);
  });

  it("reads how the machine's speed moved between the overload and the drain, and leaves the verdict to the consumer's own rates", () => {
    // A consumer that keeps 1,000/s at full speed, on a machine 30 % slower from the overload's end on.
    const speed = (t: number) => (t <= 60 ? 1000 : 700);
    const run = simulate({ overloadS: 60, high: 2000, normal: 400, consumed: (t) => speed(t), speed });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.machineSpeedRatio).toBeCloseTo(0.7, 9);
    expect(recovery.factor).toBeGreaterThan(1.4); // (1000 − 400) ÷ (700 − 400): the slower machine shows as a slower recovery
    const unread = recoveryOf(
      run.overload.map(({ speed: _, ...p }) => p),
      run.drain,
    )!;
    expect(unread.machineSpeedRatio).toBeUndefined();
    expect(unread.factor).toBe(recovery.factor);
  });

  it('gives no figure without enough readings, a falling lag, or a rate that outpaces the normal load', () => {
    const run = simulate({ overloadS: 30, high: 2000, normal: 500, consumed: () => 1000 });
    expect(recoveryOf([], run.drain)).toBeUndefined();
    expect(recoveryOf(run.overload, [])).toBeUndefined();
    expect(recoveryOf(run.overload.slice(0, 1), run.drain)).toBeUndefined();
    expect(recoveryOf(run.overload, run.overload.slice(-1))).toBeUndefined();
    const end = run.overload.at(-1)!;
    expect(recoveryOf(run.overload, [{ ...end, atS: end.atS + 5, lag: end.lag + 100, entriesRead: end.entriesRead + 5000 }])).toBeUndefined();
    // The consumer kept 1,000/s under the overload; the producer then added 1,200/s.
    expect(recoveryOf(run.overload, [{ ...end, atS: end.atS + 10, entriesRead: end.entriesRead + 15_000, lag: end.lag - 3000 }])).toBeUndefined();
  });
});
