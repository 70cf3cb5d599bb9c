import { describe, expect, it } from 'vitest';
import { probe, startSupervisor } from './supervisionHarness.js';

describe('supervisor - starts children in order and stops them in reverse', () => {
  it('starts every child once, in the listed order, and reports them running', () => {
    const log: string[] = [];
    const { actor, statuses, notices } = startSupervisor({
      children: ['a', 'b', 'c'].map((id) => ({ id, logic: probe(log) })),
    });
    expect(log).toEqual(['start a#1', 'start b#1', 'start c#1']);
    expect(statuses()).toEqual({ a: 'running', b: 'running', c: 'running' });
    expect(Object.keys(actor.getSnapshot().children)).toEqual(['a', 'b', 'c']);
    expect(notices.map((n) => n.type)).toEqual(['supervisor.child.started', 'supervisor.child.started', 'supervisor.child.started']);
  });

  it('stops the children in reverse order when stopped, leaves them stopped, and leaves no timer behind', () => {
    const log: string[] = [];
    const { actor, clock, statuses, tell } = startSupervisor({
      children: ['a', 'b', 'c'].map((id) => ({ id, logic: probe(log) })),
    });
    tell('a', 'fail'); // a backoff timer and a forget timer are now pending
    expect(clock.pending).toBe(2);
    log.length = 0;
    actor.stop();
    expect(log).toEqual(['stop c#1', 'stop b#1']);
    expect(statuses()).toEqual({ a: 'stopped', b: 'stopped', c: 'stopped' });
    expect(actor.getSnapshot().status).toBe('stopped');
    expect(clock.pending).toBe(0);
    clock.increment(60_000);
    expect(log).toEqual(['stop c#1', 'stop b#1']);
  });
});
