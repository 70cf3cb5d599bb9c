import { describe, it } from 'vitest';
import fc from 'fast-check';
import { check, supervisorCommands } from './supervisorCommands.js';
import { SupervisorModel, type ModelSpec } from './supervisorModel.js';
import { probe, startSupervisor } from './supervisionHarness.js';

const specArbitrary: fc.Arbitrary<ModelSpec> = fc
  .record({
    strategy: fc.constantFrom('one-for-one' as const, 'rest-for-one' as const),
    intensity: fc.integer({ min: 0, max: 6 }),
    periodMs: fc.integer({ min: 100, max: 5_000 }),
    baseMs: fc.integer({ min: 0, max: 200 }),
    spread: fc.integer({ min: 0, max: 8 }),
    jitter: fc.constantFrom(0, 0.5, 1),
    restarts: fc.array(fc.constantFrom('permanent' as const, 'transient' as const, 'temporary' as const), { minLength: 1, maxLength: 4 }),
    randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }),
  })
  .map(({ spread, ...spec }) => ({ ...spec, maxMs: spec.baseMs * spread }))
  .filter((spec) => spec.maxMs >= spec.baseMs);

describe('supervisor - matches a reference model of OTP supervision', () => {
  it('restart decisions, backoff, intensity windows, escalation and start/stop order agree after every command', () => {
    fc.assert(
      fc.property(
        specArbitrary.chain((spec) => fc.tuple(fc.constant(spec), supervisorCommands(spec.restarts.length))),
        ([spec, commands]) => {
          const log: string[] = [];
          let calls = 0;
          const harness = startSupervisor({
            strategy: spec.strategy,
            intensity: spec.intensity,
            periodMs: spec.periodMs,
            backoff: { baseMs: spec.baseMs, maxMs: spec.maxMs, jitter: spec.jitter },
            random: () => spec.randoms[calls++ % spec.randoms.length] ?? 0,
            children: spec.restarts.map((restart, i) => ({ id: `c${i}`, logic: probe(log), restart })),
          });
          const real = { ...harness, log };
          const model = new SupervisorModel(spec);
          check(model, real, false);
          try {
            fc.modelRun(() => ({ model, real }), commands);
          } finally {
            if (harness.actor.getSnapshot().status === 'active') harness.actor.stop();
          }
          // Whatever happened, nothing is left behind.
          if (harness.clock.pending !== 0) throw new Error(`${harness.clock.pending} timer(s) left after stop`);
        },
      ),
      { numRuns: 500 },
    );
  });
});
