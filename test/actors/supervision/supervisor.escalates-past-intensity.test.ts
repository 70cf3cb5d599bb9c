import { describe, expect, it } from 'vitest';
import { toPromise } from 'xstate';
import { SupervisorEscalationError } from '../../../src/actors/supervision/index.js';
import { ProbeError, probe, startSupervisor } from './supervisionHarness.js';

describe('supervisor - escalates past its intensity', () => {
  it('allows `intensity` restarts in the period; the next exit stops all children in reverse order and fails the supervisor', async () => {
    const log: string[] = [];
    const { actor, clock, tell, statuses, notices, errors } = startSupervisor({
      intensity: 2,
      periodMs: 1_000,
      backoff: { baseMs: 10, jitter: 0 },
      children: ['a', 'b', 'c'].map((id) => ({ id, logic: probe(log) })),
    });
    const outcome = toPromise(actor).then(
      () => 'stopped',
      (error: unknown) => error,
    );
    tell('b', 'fail');
    clock.increment(10);
    tell('b', 'fail');
    clock.increment(20);
    expect(actor.getSnapshot().status).toBe('active');
    log.length = 0;
    tell('b', 'fail');
    expect(log).toEqual(['fail b#3', 'stop c#1', 'stop a#1']);
    expect(statuses()).toEqual({ a: 'stopped', b: 'stopped', c: 'stopped' });
    const snapshot = actor.getSnapshot();
    expect(snapshot.status).toBe('error');
    expect(snapshot.error).toBeInstanceOf(SupervisorEscalationError);
    const error = snapshot.error as SupervisorEscalationError;
    expect(error).toMatchObject({ supervisorId: 'root', childId: 'b', exit: 'error', limit: { intensity: 2, periodMs: 1_000 } });
    expect(error.cause).toBeInstanceOf(ProbeError);
    expect(errors).toEqual([error]);
    expect(await outcome).toBe(error);
    expect(notices.slice(-4).map((n) => n.type)).toEqual(['supervisor.child.exited', 'supervisor.child.stopped', 'supervisor.child.stopped', 'supervisor.escalated']);
    expect(clock.pending).toBe(0);
  });

  it('forgets restarts older than the period, so failures spread out never escalate', () => {
    const log: string[] = [];
    const { actor, clock, tell } = startSupervisor({
      intensity: 1,
      periodMs: 1_000,
      backoff: { baseMs: 10, jitter: 0 },
      children: [{ id: 'a', logic: probe(log) }],
    });
    for (let i = 0; i < 10; i++) {
      tell('a', 'fail');
      clock.increment(1_000);
    }
    expect(actor.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().context.children[0]).toMatchObject({ status: 'running', restarts: 10 });
  });

  it('with intensity 0 escalates at the first exit that calls for a restart, but not for a final one', () => {
    const log: string[] = [];
    const { actor, tell } = startSupervisor({
      intensity: 0,
      children: [{ id: 't', logic: probe(log), restart: 'transient' }, { id: 'p', logic: probe(log) }],
    });
    tell('t', 'complete');
    expect(actor.getSnapshot().status).toBe('active');
    tell('p', 'complete');
    expect(actor.getSnapshot().status).toBe('error');
    expect(actor.getSnapshot().error).toMatchObject({ childId: 'p', exit: 'normal', cause: undefined });
  });

  it('a pending backoff timer is cancelled by the escalation', () => {
    const log: string[] = [];
    const { actor, clock, tell } = startSupervisor({
      intensity: 1,
      backoff: { baseMs: 100, jitter: 0 },
      children: [{ id: 'a', logic: probe(log) }, { id: 'b', logic: probe(log) }],
    });
    tell('a', 'fail'); // a waits 100 ms
    tell('b', 'fail'); // one too many
    expect(actor.getSnapshot().status).toBe('error');
    expect(clock.pending).toBe(0);
    clock.increment(1_000);
    expect(log).toEqual(['start a#1', 'start b#1', 'fail a#1', 'fail b#1']);
  });
});
