import { describe, expect, it } from 'vitest';
import type { RestartType } from '../../../src/actors/supervision/index.js';
import { probe, startSupervisor } from './supervisionHarness.js';

function run(restart: RestartType, how: 'fail' | 'complete') {
  const log: string[] = [];
  const harness = startSupervisor({
    backoff: { baseMs: 10, jitter: 0 },
    children: [{ id: 'x', logic: probe(log), restart }, { id: 'y', logic: probe(log) }],
  });
  harness.tell('x', how);
  harness.clock.increment(10_000);
  return { log, ...harness };
}

describe('supervisor - restart types decide whether an exit is restarted', () => {
  it.each([
    ['permanent', 'fail', true],
    ['permanent', 'complete', true],
    ['transient', 'fail', true],
    ['transient', 'complete', false],
    ['temporary', 'fail', false],
    ['temporary', 'complete', false],
  ] as const)('%s child that exits with %s: restarted = %s', (restart, how, restarted) => {
    const { log, state, child, actor } = run(restart, how);
    const exitLine = how === 'fail' ? 'fail x#1' : 'done x#1';
    expect(log).toEqual(['start x#1', 'start y#1', exitLine, ...(restarted ? ['start x#2'] : [])]);
    expect(state('x')?.status).toBe(restarted ? 'running' : 'stopped');
    expect(child('x') === undefined).toBe(!restarted);
    expect(state('x')?.lastExit).toBe(how === 'fail' ? 'error' : 'normal');
    // A restart is counted only when one happens; a final exit costs no intensity.
    expect(actor.getSnapshot().context.restartsInPeriod).toBe(restarted ? 1 : 0);
    expect(state('y')).toMatchObject({ status: 'running', restarts: 0 });
    expect(actor.getSnapshot().status).toBe('active');
  });
});
