import { describe, expect, it } from 'vitest';
import { ProbeError, probe, startSupervisor } from './supervisionHarness.js';

describe('supervisor - restarts a permanent child with backoff', () => {
  it('waits baseMs before the first restart, then doubles the delay for each further restart, up to maxMs', () => {
    const log: string[] = [];
    const { clock, tell, state, notices } = startSupervisor({
      intensity: 10,
      periodMs: 100_000,
      backoff: { baseMs: 100, maxMs: 300, jitter: 0 },
      children: [{ id: 'a', logic: probe(log) }, { id: 'b', logic: probe(log) }],
    });
    log.length = 0;
    const delays: number[] = [];
    for (let generation = 1; generation <= 4; generation++) {
      tell('a', 'fail');
      expect(state('a')?.status).toBe('restarting');
      const exited = notices.at(-1);
      expect(exited?.type === 'supervisor.child.exited' && exited.restartInMs).toBeTypeOf('number');
      if (exited?.type === 'supervisor.child.exited') delays.push(exited.restartInMs ?? -1);
      clock.increment((exited?.type === 'supervisor.child.exited' ? (exited.restartInMs ?? 0) : 0) - 1);
      expect(log.at(-1)).toBe(`fail a#${generation}`); // not yet
      clock.increment(1);
      expect(log.at(-1)).toBe(`start a#${generation + 1}`);
      expect(state('a')).toMatchObject({ status: 'running', restarts: generation, recentRestarts: generation, actorId: `a#${generation + 1}` });
    }
    expect(delays).toEqual([100, 200, 300, 300]);
    // one-for-one: the sibling lived through all of it
    expect(log.filter((line) => line.includes('b#'))).toEqual([]);
    expect(state('b')).toMatchObject({ status: 'running', restarts: 0 });
  });

  it('takes up to jitter of the delay off, with the injected randomness', () => {
    const log: string[] = [];
    const { clock, tell } = startSupervisor({
      random: () => 0.5,
      backoff: { baseMs: 1_000, maxMs: 10_000, jitter: 0.2 },
      children: [{ id: 'a', logic: probe(log) }],
    });
    tell('a', 'fail');
    clock.increment(899);
    expect(log.at(-1)).toBe('fail a#1');
    clock.increment(1); // 1000 * (1 - 0.2 * 0.5)
    expect(log.at(-1)).toBe('start a#2');
  });

  it('records the last error and restart count where a dashboard reads them, and notices each step in order', () => {
    const log: string[] = [];
    const { clock, tell, state, notices } = startSupervisor({ children: [{ id: 'a', logic: probe(log) }] });
    tell('a', 'fail');
    expect(state('a')).toMatchObject({ status: 'restarting', lastExit: 'error', lastErrorMessage: 'a#1 failed', actorId: undefined });
    expect(state('a')?.lastError).toBeInstanceOf(ProbeError);
    clock.increment(100);
    expect(notices.map((n) => n.type)).toEqual(['supervisor.child.started', 'supervisor.child.exited', 'supervisor.child.restarted']);
    expect(notices[2]).toEqual({ type: 'supervisor.child.restarted', supervisorId: 'root', childId: 'a', actorId: 'a#2', restarts: 1 });
  });

  it('resets the backoff once the earlier restarts are older than the period', () => {
    const log: string[] = [];
    const { clock, tell, state, notices } = startSupervisor({
      periodMs: 1_000,
      backoff: { baseMs: 100, maxMs: 10_000, jitter: 0 },
      children: [{ id: 'a', logic: probe(log) }],
    });
    tell('a', 'fail');
    clock.increment(100);
    tell('a', 'fail');
    clock.increment(200);
    expect(state('a')?.recentRestarts).toBe(2);
    clock.increment(1_000);
    expect(state('a')?.recentRestarts).toBe(0);
    tell('a', 'fail');
    const last = notices.at(-1);
    expect(last?.type === 'supervisor.child.exited' ? last.restartInMs : undefined).toBe(100);
  });
});
