import { describe, expect, it } from 'vitest';
import type { SupervisorNotice } from '../../../src/actors/supervision/index.js';
import { probe, startSupervisor } from './supervisionHarness.js';

describe('supervisor - notices for loggers', () => {
  it('passes every notice to onNotice as well as emitting it, and a throwing onNotice changes nothing', () => {
    const log: string[] = [];
    const seen: SupervisorNotice[] = [];
    const { notices, clock, tell, statuses } = startSupervisor({
      backoff: { baseMs: 10, jitter: 0 },
      onNotice: (notice) => {
        seen.push(notice);
        throw new Error('logger is broken');
      },
      children: [{ id: 'a', logic: probe(log) }],
    });
    tell('a', 'fail');
    clock.increment(10);
    expect(seen).toEqual(notices);
    expect(seen.map((n) => n.type)).toEqual(['supervisor.child.started', 'supervisor.child.exited', 'supervisor.child.restarted']);
    expect(statuses()).toEqual({ a: 'running' });
    expect(log).toEqual(['start a#1', 'fail a#1', 'start a#2']);
  });

  it('notices a stop on shutdown with its reason', () => {
    const { notices, actor } = startSupervisor({ children: [{ id: 'a', logic: probe([]) }] });
    actor.stop();
    expect(notices.at(-1)).toEqual({ type: 'supervisor.child.stopped', supervisorId: 'root', childId: 'a', reason: 'shutdown' });
  });

  it('the persisted snapshot is plain data: context and status, no actor references', () => {
    const { actor } = startSupervisor({ children: [{ id: 'a', logic: probe([]) }] });
    const persisted = actor.getPersistedSnapshot() as unknown as Record<string, unknown>;
    expect(Object.keys(persisted).sort()).toEqual(['context', 'error', 'output', 'status']);
    expect(JSON.parse(JSON.stringify(persisted))).toMatchObject({ status: 'active', context: { children: [{ id: 'a', status: 'running' }] } });
  });
});
