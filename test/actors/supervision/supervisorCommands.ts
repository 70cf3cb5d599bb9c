import { expect } from 'vitest';
import fc from 'fast-check';
import type { SupervisorModel } from './supervisorModel.js';
import type { startSupervisor } from './supervisionHarness.js';

export type Real = ReturnType<typeof startSupervisor> & { log: string[] };

/** The real supervisor agrees with the model: lifetimes written since the last check, statuses, counts, timers. */
export function check(model: SupervisorModel, real: Real, sortLines: boolean) {
  const written = real.log.splice(0);
  const expected = model.lines.splice(0);
  // Restarts due at the same instant in one-for-one have no specified order between children.
  expect(sortLines ? [...written].sort() : written).toEqual(sortLines ? [...expected].sort() : expected);
  const snapshot = real.actor.getSnapshot();
  expect(snapshot.status).toBe(model.escalated ? 'error' : model.terminated ? 'stopped' : 'active');
  for (const child of model.children) {
    const state = real.state(child.id);
    expect(state?.status, child.id).toBe(child.status);
    expect(state?.restarts, child.id).toBe(child.generation - 1);
    expect(real.child(child.id) !== undefined, child.id).toBe(child.status === 'running');
  }
  if (model.active) expect(snapshot.context.restartsInPeriod).toBe(model.inWindow().length);
  else expect(real.clock.pending).toBe(0);
}

const sortFor = (model: SupervisorModel) => model.spec.strategy === 'one-for-one';

export class ExitCommand implements fc.Command<SupervisorModel, Real> {
  constructor(
    readonly k: number,
    readonly how: 'fail' | 'done',
  ) {}
  check(model: Readonly<SupervisorModel>) {
    return model.active && model.children[this.k]?.status === 'running';
  }
  run(model: SupervisorModel, real: Real) {
    real.tell(`c${this.k}`, this.how === 'fail' ? 'fail' : 'complete');
    model.exit(this.k, this.how);
    check(model, real, false);
  }
  toString() {
    return `c${this.k} ${this.how}`;
  }
}

export class AdvanceCommand implements fc.Command<SupervisorModel, Real> {
  constructor(readonly ms: number) {}
  check(model: Readonly<SupervisorModel>) {
    return model.active;
  }
  run(model: SupervisorModel, real: Real) {
    const until = model.now + this.ms;
    // Step the real clock through every instant a restart is due, checking at each one.
    for (const t of [...model.dueTimes(until), until]) {
      if (t < model.now) continue;
      real.clock.increment(t - model.now);
      model.advanceTo(t);
      check(model, real, sortFor(model));
    }
  }
  toString() {
    return `advance ${this.ms}`;
  }
}

export class StopCommand implements fc.Command<SupervisorModel, Real> {
  check(model: Readonly<SupervisorModel>) {
    return model.active;
  }
  run(model: SupervisorModel, real: Real) {
    real.actor.stop();
    model.stopAll();
    model.terminated = true;
    check(model, real, false);
  }
  toString() {
    return 'stop';
  }
}

/** Exits are the interesting part and stop ends a run, so they are drawn 6 : 3 : 1. */
export const supervisorCommands = (children: number) =>
  fc.commands(
    [
      fc.oneof(
        { weight: 6, arbitrary: fc.record({ k: fc.nat({ max: children - 1 }), how: fc.constantFrom('fail' as const, 'fail' as const, 'done' as const) }).map(({ k, how }) => new ExitCommand(k, how)) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((ms) => new AdvanceCommand(ms)) },
        { weight: 1, arbitrary: fc.constant(new StopCommand()) },
      ),
    ],
    { maxCommands: 60, size: 'medium' },
  );
