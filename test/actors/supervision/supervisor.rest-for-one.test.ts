import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import type { ChildSpec } from '../../../src/actors/supervision/index.js';
import { probe, startSupervisor } from './supervisionHarness.js';

const four = (log: string[], overrides: Partial<Record<string, Partial<ChildSpec>>> = {}): ChildSpec[] =>
  ['a', 'b', 'c', 'd'].map((id) => ({ id, logic: probe(log), ...overrides[id] }));

describe('supervisor - rest-for-one restarts the failed child and every later one', () => {
  it('stops the later children in reverse order at once, and starts the failed child and them in order after its backoff', () => {
    const log: string[] = [];
    const { clock, tell, statuses, notices } = startSupervisor({ strategy: 'rest-for-one', backoff: { baseMs: 50, jitter: 0 }, children: four(log) });
    log.length = 0;
    tell('b', 'fail');
    expect(log).toEqual(['fail b#1', 'stop d#1', 'stop c#1']);
    expect(statuses()).toEqual({ a: 'running', b: 'restarting', c: 'restarting', d: 'restarting' });
    expect(notices.filter((n) => n.type === 'supervisor.child.stopped')).toEqual([
      { type: 'supervisor.child.stopped', supervisorId: 'root', childId: 'd', reason: 'sibling-restart' },
      { type: 'supervisor.child.stopped', supervisorId: 'root', childId: 'c', reason: 'sibling-restart' },
    ]);
    clock.increment(50);
    expect(log).toEqual(['fail b#1', 'stop d#1', 'stop c#1', 'start b#2', 'start c#2', 'start d#2']);
    expect(statuses()).toEqual({ a: 'running', b: 'running', c: 'running', d: 'running' });
  });

  it('counts the group restart once, and restarts only the failed child when it is the last one', () => {
    const log: string[] = [];
    const { actor, clock, tell } = startSupervisor({ strategy: 'rest-for-one', backoff: { baseMs: 50, jitter: 0 }, children: four(log) });
    tell('a', 'fail');
    clock.increment(50);
    expect(actor.getSnapshot().context.restartsInPeriod).toBe(1);
    log.length = 0;
    tell('d', 'fail');
    clock.increment(50);
    expect(log).toEqual(['fail d#2', 'start d#3']);
  });

  it('stops a temporary later child for good, and leaves children that had already ended stopped', () => {
    const log: string[] = [];
    const { clock, tell, statuses } = startSupervisor({
      strategy: 'rest-for-one',
      backoff: { baseMs: 50, jitter: 0 },
      children: four(log, { c: { restart: 'temporary' }, d: { restart: 'transient' } }),
    });
    tell('d', 'complete'); // transient, normal: stays stopped
    log.length = 0;
    tell('a', 'fail');
    expect(log).toEqual(['fail a#1', 'stop c#1', 'stop b#1']);
    clock.increment(50);
    expect(log.slice(3)).toEqual(['start a#2', 'start b#2']);
    expect(statuses()).toEqual({ a: 'running', b: 'running', c: 'stopped', d: 'stopped' });
  });

  it('a later child waiting for its own backoff joins the earlier failed child and comes back after it', () => {
    const log: string[] = [];
    const { clock, tell, statuses } = startSupervisor({
      strategy: 'rest-for-one',
      intensity: 10,
      backoff: { baseMs: 100, jitter: 0 },
      children: four(log),
    });
    tell('c', 'fail'); // c and d wait 100 ms
    clock.increment(50);
    tell('a', 'fail'); // a waits 100 ms from now; b is stopped; c and d wait with a
    log.length = 0;
    clock.increment(50); // c's own timer would have fired now: it must not
    expect(log).toEqual([]);
    expect(statuses()).toEqual({ a: 'restarting', b: 'restarting', c: 'restarting', d: 'restarting' });
    clock.increment(50);
    expect(log).toEqual(['start a#2', 'start b#2', 'start c#2', 'start d#2']);
  });

  it('ignores the late exit of an incarnation it already stopped', () => {
    const log: string[] = [];
    const { actor, clock, tell, statuses } = startSupervisor({ strategy: 'rest-for-one', backoff: { baseMs: 50, jitter: 0 }, children: four(log) });
    tell('b', 'fail');
    // As if c#1 had failed just before it was stopped and its exit was still queued.
    const late: EventObject = Object.assign({ type: 'xstate.error.actor.c#1' }, { error: new Error('late'), actorId: 'c#1' });
    actor.send(late);
    expect(actor.getSnapshot().context.restartsInPeriod).toBe(1);
    clock.increment(50);
    expect(statuses()).toEqual({ a: 'running', b: 'running', c: 'running', d: 'running' });
    expect(log.filter((l) => l.startsWith('start c'))).toEqual(['start c#1', 'start c#2']);
  });
});
