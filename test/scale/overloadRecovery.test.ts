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
  it('finds a consumer that keeps one rate exactly as fast as the ideal one, whatever S its load came from', () => {
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
          expect(recovery.factor).toBeLessThanOrEqual(1 + 1 / recovery.idealDrainS + 1e-9);
        },
      ),
    );
  });

  it('counts what a consumer lost under the overload: a larger backlog to drain', () => {
    // Capacity 1,000/s, but only 700/s while the producer is at 2,000/s.
    const run = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: (t) => (t <= 60 ? 700 : 1000) });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.overloadRate).toBe(700);
    expect(recovery.drainRate).toBeCloseTo(1000, -1);
    // 78,000 behind instead of 60,300 (the first reading was already 1,300 behind), drained at
    // 500/s down to the 500 left: 155 s instead of 119.6.
    expect(run.drain.at(-1)!.lag).toBe(500);
    expect(recovery.drainS).toBe(155);
    expect(recovery.idealDrainS).toBeCloseTo((60_300 - 500) / 500, 6);
    expect(recovery.factor).toBeCloseTo(1.3, 1);
  });

  it('counts what a consumer lost after the overload: a slower drain', () => {
    const stall = (t: number) => (t > 60 && t <= 80 ? 0 : 1000);
    const run = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: stall });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.overloadRate).toBe(1000);
    expect(recovery.publishRate).toBe(500);
    // 60,000 behind: 120 s at 1,000/s against 500/s, and 20 s more in which the lag grew by 10,000.
    expect(recovery.idealDrainS).toBeCloseTo((60_000 - run.drain.at(-1)!.lag) / 500, 6);
    expect(recovery.drainS).toBe(run.drain.at(-1)!.atS - 60);
    expect(recovery.factor).toBeGreaterThan(1.3);
    const steadyRun = simulate({ overloadS: 60, high: 2000, normal: 500, consumed: () => 1000 });
    expect(recoveryOf(steadyRun.overload, steadyRun.drain)!.factor).toBeCloseTo(1, 9);
  });

  it("reads how the machine's speed moved between the overload and the drain, and leaves the figure to the consumer's own rates", () => {
    // A consumer that keeps 1,000/s at full speed, on a machine 30 % slower from the overload's end on.
    const speed = (t: number) => (t <= 60 ? 1000 : 700);
    const run = simulate({ overloadS: 60, high: 2000, normal: 400, consumed: (t) => speed(t), speed });
    const recovery = recoveryOf(run.overload, run.drain)!;
    expect(recovery.machineSpeedRatio).toBeCloseTo(0.7, 9);
    expect(recovery.factor).toBeGreaterThan(1.9); // (1000 − 400) ÷ (700 − 400): the slower machine shows as a slower drain
    const unread = recoveryOf(
      run.overload.map(({ speed: _, ...p }) => p),
      run.drain,
    )!;
    expect(unread.machineSpeedRatio).toBeUndefined();
    expect(unread.factor).toBe(recovery.factor);
  });

  it('gives no figure without enough readings, without a falling lag, or for a load that was no overload', () => {
    const run = simulate({ overloadS: 30, high: 2000, normal: 500, consumed: () => 1000 });
    expect(recoveryOf([], run.drain)).toBeUndefined();
    expect(recoveryOf(run.overload, [])).toBeUndefined();
    expect(recoveryOf(run.overload.slice(0, 1), run.drain)).toBeUndefined();
    expect(recoveryOf(run.overload, run.overload.slice(-1))).toBeUndefined();
    const end = run.overload.at(-1)!;
    expect(recoveryOf(run.overload, [{ ...end, atS: end.atS + 5, lag: end.lag + 100, entriesRead: end.entriesRead + 5000 }])).toBeUndefined();
    // 500/s under a load of 1,000/s, then 3,000/s: at 3,000/s that load never backs up.
    const slowThenFast = simulate({ overloadS: 30, high: 1000, normal: 200, consumed: (t) => (t <= 30 ? 500 : 3000) });
    expect(recoveryOf(slowThenFast.overload, slowThenFast.drain)).toBeUndefined();
  });
});
