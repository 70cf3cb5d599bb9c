import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise, type AnyActorRef } from 'xstate';
import { createSupervisorLogic, SupervisorEscalationError, type SupervisorNotice } from '../../../src/actors/supervision/index.js';
import { CountingClock, probe } from './supervisionHarness.js';

const roots: AnyActorRef[] = [];
afterEach(() => roots.splice(0).forEach((actor) => actor.getSnapshot().status === 'active' && actor.stop()));

/**
 * The shape the app is meant to build (probes stand in for the real actors). Sources come last:
 * shutdown runs in reverse order, so intake stops before what it feeds; and under rest-for-one a
 * failure of the registry restarts everything that feeds it.
 */
function orderlyTree(log: string[], notices: SupervisorNotice[]) {
  const gateways = createSupervisorLogic({
    strategy: 'one-for-one', // sources are independent of each other
    intensity: 3,
    periodMs: 10_000,
    backoff: { baseMs: 200, maxMs: 5_000, jitter: 0 },
    onNotice: (notice) => notices.push(notice),
    children: ['kafka', 'rabbitmq', 'nats', 'redis'].map((id) => ({ id, logic: probe(log) })),
  });
  return createSupervisorLogic({
    strategy: 'rest-for-one',
    intensity: 2,
    periodMs: 60_000,
    backoff: { baseMs: 1_000, maxMs: 30_000, jitter: 0 },
    onNotice: (notice) => notices.push(notice),
    children: [
      { id: 'orders', logic: probe(log), systemId: 'orders' },
      { id: 'hub', logic: probe(log), systemId: 'hub' },
      { id: 'jobs', logic: probe(log) },
      { id: 'outbox', logic: probe(log), restart: 'transient' },
      { id: 'gateways', logic: gateways },
    ],
  });
}

describe('supervisor - the service tree', () => {
  it('starts intake last, absorbs a gateway crash loop one level down, and shuts down intake first', async () => {
    const log: string[] = [];
    const notices: SupervisorNotice[] = [];
    const clock = new CountingClock();
    const root = createActor(orderlyTree(log, notices), { clock, id: 'orderly' });
    roots.push(root);
    const exit = toPromise(root).then(
      () => 0,
      () => 1,
    );
    root.start();
    expect(log).toEqual(['start orders#1', 'start hub#1', 'start jobs#1', 'start outbox#1', 'start kafka#1', 'start rabbitmq#1', 'start nats#1', 'start redis#1']);
    expect(root.system.get('hub')).toBe(root.getSnapshot().children.hub);

    const kafka = () => root.getSnapshot().children.gateways?.getSnapshot().children.kafka as AnyActorRef;
    for (let i = 0; i < 4; i++) {
      kafka().send({ type: 'fail' });
      clock.increment(1_000);
    }
    // The gateways supervisor gave up on its 4th kafka failure and was restarted by the root, alone (it is last).
    expect(notices.filter((n) => n.type === 'supervisor.escalated').map((n) => n.supervisorId)).toEqual(['gateways#1']);
    expect(root.getSnapshot().context.children.map((c) => [c.id, c.status, c.restarts])).toEqual([
      ['orders', 'running', 0],
      ['hub', 'running', 0],
      ['jobs', 'running', 0],
      ['outbox', 'running', 0],
      ['gateways', 'running', 1],
    ]);

    log.length = 0;
    root.stop();
    expect(log).toEqual(['stop redis#1', 'stop nats#1', 'stop rabbitmq#1', 'stop kafka#1', 'stop outbox#1', 'stop jobs#1', 'stop hub#1', 'stop orders#1']);
    expect(await exit).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a registry failure restarts everything started after it; past the root intensity the app sees exit code 1', async () => {
    const log: string[] = [];
    const clock = new CountingClock();
    const root = createActor(orderlyTree(log, []), { clock, id: 'orderly' });
    roots.push(root);
    const exit = toPromise(root).then(
      () => 0,
      (error: unknown) => (error instanceof SupervisorEscalationError ? 1 : 2),
    );
    root.start();
    log.length = 0;
    root.getSnapshot().children.orders?.send({ type: 'fail' });
    expect(log).toEqual(['fail orders#1', 'stop redis#1', 'stop nats#1', 'stop rabbitmq#1', 'stop kafka#1', 'stop outbox#1', 'stop jobs#1', 'stop hub#1']);
    clock.increment(1_000);
    expect(log.slice(8)).toEqual(['start orders#2', 'start hub#2', 'start jobs#2', 'start outbox#2', 'start kafka#1', 'start rabbitmq#1', 'start nats#1', 'start redis#1']);
    root.getSnapshot().children.orders?.send({ type: 'fail' });
    clock.increment(2_000);
    root.getSnapshot().children.orders?.send({ type: 'fail' }); // third restart in 60 s: past intensity 2
    expect(root.getSnapshot().status).toBe('error');
    expect(await exit).toBe(1);
    expect(clock.pending).toBe(0);
  });
});
