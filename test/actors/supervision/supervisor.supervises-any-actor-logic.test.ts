import { afterEach, describe, expect, it } from 'vitest';
import { assign, createActor, fromCallback, fromPromise, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { createSupervisorLogic, SupervisorEscalationError } from '../../../src/actors/supervision/index.js';
import { startSupervisor } from './supervisionHarness.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const roots: AnyActorRef[] = [];
afterEach(() => roots.splice(0).forEach((actor) => actor.getSnapshot().status === 'active' && actor.stop()));

describe('supervisor - supervises any XState actor logic', () => {
  it('fromPromise: a rejection is restarted; a transient child that then resolves is done for good', async () => {
    let attempts = 0;
    const { clock, state } = startSupervisor({
      backoff: { baseMs: 10, jitter: 0 },
      children: [
        {
          id: 'job',
          restart: 'transient',
          logic: fromPromise(async () => {
            attempts += 1;
            if (attempts < 3) throw new Error(`attempt ${attempts}`);
            return 'ok';
          }),
        },
      ],
    });
    await flush();
    expect(state('job')).toMatchObject({ status: 'restarting', lastErrorMessage: 'attempt 1' });
    clock.increment(10);
    await flush();
    expect(state('job')).toMatchObject({ status: 'restarting', lastErrorMessage: 'attempt 2' });
    clock.increment(20);
    await flush();
    expect(state('job')).toMatchObject({ status: 'stopped', lastExit: 'normal', restarts: 2 });
    expect(attempts).toBe(3);
  });

  it('fromCallback: a throw at start is a failure like any other, and the cleanup of a stopped one runs', () => {
    const lifetimes: string[] = [];
    let starts = 0;
    const { actor, clock, state } = startSupervisor({
      backoff: { baseMs: 10, jitter: 0 },
      children: [
        {
          id: 'listener',
          logic: fromCallback(({ self }) => {
            starts += 1;
            if (starts === 1) throw new Error('cannot bind');
            lifetimes.push(`up ${self.id}`);
            return () => lifetimes.push(`down ${self.id}`);
          }),
        },
      ],
    });
    expect(state('listener')).toMatchObject({ status: 'restarting', lastErrorMessage: 'cannot bind' });
    clock.increment(10);
    expect(lifetimes).toEqual(['up listener#2']);
    actor.stop();
    expect(lifetimes).toEqual(['up listener#2', 'down listener#2']);
  });

  it('machines: reaching a final state is a normal exit, a throwing action an error; a child registered with systemId is found again after a restart', () => {
    const worker = setup({ actions: { boom: () => { throw new Error('boom'); } } }).createMachine({
      initial: 'working',
      states: { working: { on: { finish: 'finished', crash: { actions: 'boom' } } }, finished: { type: 'final' } },
    });
    const { actor, clock, state, child } = startSupervisor({
      backoff: { baseMs: 10, jitter: 0 },
      children: [{ id: 'worker', logic: worker, systemId: 'worker' }],
    });
    expect(actor.system.get('worker')).toBe(child('worker'));
    child('worker')?.send({ type: 'crash' });
    expect(state('worker')).toMatchObject({ status: 'restarting', lastExit: 'error', lastErrorMessage: 'boom' });
    clock.increment(10);
    expect(actor.system.get('worker')).toBe(child('worker'));
    expect(child('worker')?.id).toBe('worker#2');
    child('worker')?.send({ type: 'finish' });
    expect(state('worker')).toMatchObject({ status: 'restarting', lastExit: 'normal' });
  });

  it('a supervisor invoked by a machine: its escalation is the machine\'s onError, and stopping the machine stops the supervisor\'s children', () => {
    const lifetimes: string[] = [];
    const child = fromCallback(({ self, receive }) => {
      lifetimes.push(`up ${self.id}`);
      receive((event) => {
        if (event.type === 'fail') throw new Error('gone');
      });
      return () => lifetimes.push(`down ${self.id}`);
    });
    const supervisor = createSupervisorLogic({ intensity: 0, children: [{ id: 'a', logic: child }, { id: 'b', logic: child }] });
    const app = setup({ types: { context: {} as { failure: unknown } }, actors: { supervisor } }).createMachine({
      context: { failure: undefined },
      initial: 'running',
      states: {
        running: { invoke: { id: 'tree', src: 'supervisor', onError: { target: 'failed', actions: assign({ failure: ({ event }) => event.error }) } } },
        failed: {},
      },
    });
    const first = createActor(app, { clock: new SimulatedClock() });
    roots.push(first);
    first.start();
    expect(lifetimes).toEqual(['up a#1', 'up b#1']);
    first.stop();
    expect(lifetimes).toEqual(['up a#1', 'up b#1', 'down b#1', 'down a#1']);

    const second = createActor(app, { clock: new SimulatedClock() });
    roots.push(second);
    second.start();
    const tree = second.getSnapshot().children.tree;
    tree?.getSnapshot().children.a?.send({ type: 'fail' });
    expect(second.getSnapshot().value).toBe('failed');
    expect(second.getSnapshot().context.failure).toBeInstanceOf(SupervisorEscalationError);
    // XState does not run the cleanup of a fromCallback that failed: only b had one to run.
    expect(lifetimes.slice(4)).toEqual(['up a#1', 'up b#1', 'down b#1']);
  });
});
