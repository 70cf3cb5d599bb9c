import { describe, expect, it } from 'vitest';
import { createSupervisorLogic, SupervisorEscalationError, type SupervisorNotice } from '../../../src/actors/supervision/index.js';
import { ProbeError, probe, startSupervisor } from './supervisionHarness.js';

/** root → { gateways (its own supervisor: g1, g2), hub } */
function tree(options: { rootIntensity: number; rootStrategy?: 'one-for-one' | 'rest-for-one' }) {
  const log: string[] = [];
  const inner: SupervisorNotice[] = [];
  const gateways = createSupervisorLogic({
    intensity: 1,
    periodMs: 5_000,
    random: () => 0,
    backoff: { baseMs: 10, jitter: 0 },
    onNotice: (notice) => inner.push(notice),
    children: [{ id: 'g1', logic: probe(log) }, { id: 'g2', logic: probe(log) }],
  });
  const harness = startSupervisor({
    strategy: options.rootStrategy ?? 'one-for-one',
    intensity: options.rootIntensity,
    backoff: { baseMs: 1_000, jitter: 0 },
    children: [{ id: 'gateways', logic: gateways }, { id: 'hub', logic: probe(log) }],
  });
  const gateway = (id: string) => {
    const ref = harness.child('gateways')?.getSnapshot().children[id];
    if (ref === undefined) throw new Error(`gateway ${id} is not running`);
    return ref;
  };
  return { log, inner, gateway, ...harness };
}

describe('supervisor - nested supervisors escalate to their parent', () => {
  it('starts the whole tree depth-first in order, and stopping the root stops it in reverse order', () => {
    const { log, actor } = tree({ rootIntensity: 1 });
    expect(log).toEqual(['start g1#1', 'start g2#1', 'start hub#1']);
    actor.stop();
    expect(log.slice(3)).toEqual(['stop hub#1', 'stop g2#1', 'stop g1#1']);
  });

  it('a child supervisor past its intensity stops its own children and fails; the parent restarts it with its own backoff', () => {
    const { log, inner, gateway, clock, statuses, state, notices, actor } = tree({ rootIntensity: 1 });
    gateway('g1').send({ type: 'fail' });
    clock.increment(10); // the inner supervisor restarts g1 on its own
    expect(log.slice(3)).toEqual(['fail g1#1', 'start g1#2']);
    gateway('g1').send({ type: 'fail' }); // second restart in 5 s: past the inner intensity of 1
    expect(log.slice(5)).toEqual(['fail g1#2', 'stop g2#1']);
    expect(inner.at(-1)?.type).toBe('supervisor.escalated');
    expect(statuses()).toEqual({ gateways: 'restarting', hub: 'running' });
    const escalation = state('gateways')?.lastError;
    expect(escalation).toBeInstanceOf(SupervisorEscalationError);
    expect(escalation).toMatchObject({ supervisorId: 'gateways#1', childId: 'g1', cause: expect.any(ProbeError) });
    expect(notices.find((n) => n.type === 'supervisor.child.exited')).toMatchObject({ childId: 'gateways', exit: 'error', restartInMs: 1_000 });
    clock.increment(999);
    expect(log).toHaveLength(7);
    clock.increment(1);
    // a fresh inner supervisor, with fresh children and a fresh restart count
    expect(log.slice(7)).toEqual(['start g1#1', 'start g2#1']);
    expect(state('gateways')).toMatchObject({ status: 'running', actorId: 'gateways#2', restarts: 1 });
    expect(actor.getSnapshot().children.gateways?.getSnapshot().context.restartsInPeriod).toBe(0);
    expect(state('hub')).toMatchObject({ status: 'running', restarts: 0 });
  });

  it('the parent applies its own strategy: rest-for-one takes the later siblings of the failed supervisor with it', () => {
    const { log, gateway, clock, statuses } = tree({ rootIntensity: 1, rootStrategy: 'rest-for-one' });
    gateway('g2').send({ type: 'fail' });
    clock.increment(10);
    gateway('g2').send({ type: 'fail' });
    expect(log.slice(3)).toEqual(['fail g2#1', 'start g2#2', 'fail g2#2', 'stop g1#1', 'stop hub#1']);
    expect(statuses()).toEqual({ gateways: 'restarting', hub: 'restarting' });
    clock.increment(1_000);
    expect(log.slice(8)).toEqual(['start g1#1', 'start g2#1', 'start hub#2']);
  });

  it('escalation climbs to the root when the parent is past its own intensity, and the app sees the root fail', () => {
    const { log, gateway, clock, actor, errors } = tree({ rootIntensity: 0 });
    gateway('g1').send({ type: 'fail' });
    clock.increment(10);
    gateway('g1').send({ type: 'fail' });
    expect(log.slice(3)).toEqual(['fail g1#1', 'start g1#2', 'fail g1#2', 'stop g2#1', 'stop hub#1']);
    expect(actor.getSnapshot().status).toBe('error');
    const rootError = actor.getSnapshot().error as SupervisorEscalationError;
    expect(rootError).toMatchObject({ supervisorId: 'root', childId: 'gateways' });
    expect(rootError.cause).toMatchObject({ name: 'SupervisorEscalationError', supervisorId: 'gateways#1', childId: 'g1' });
    expect(errors).toEqual([rootError]);
    expect(clock.pending).toBe(0);
  });
});
