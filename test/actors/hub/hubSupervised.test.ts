import { defer, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisedHub } from '../../../src/actors/hub/createHub.js';
import type { ClusterBus } from '../../../src/actors/hub/clusterBus.js';
import type { SequencedHubMessage } from '../../../src/actors/hub/hubMessage.js';
import { HubBusLostError } from '../../../src/actors/hub/hubMachine.js';
import { createSupervisorLogic, type SupervisorNotice } from '../../../src/actors/supervision/index.js';
import { until } from '../../support/realtimeClient.js';
import { alice, RecordingTransport, settle } from './hubHarness.js';

/** A bus whose connection the test breaks: each subscription gets the current subject. */
function breakableBus() {
  let current = new Subject<SequencedHubMessage>();
  let subscriptions = 0;
  let seq = 0;
  const bus: ClusterBus = {
    messages$: defer(() => {
      subscriptions++;
      return current;
    }),
    publish: (message) => {
      current.next({ ...message, seq: ++seq });
      return Promise.resolve(seq);
    },
    close: () => Promise.resolve(current.complete()),
  };
  return {
    bus,
    get subscriptions() {
      return subscriptions;
    },
    fail: () => {
      const lost = current;
      current = new Subject();
      lost.error(new Error('connection reset'));
    },
  };
}

describe('hub - under a supervisor', () => {
  it('a lost bus fails the hub (1012 to its clients), the supervisor starts a fresh one that subscribes again, and hub.stop ends it for good', async () => {
    const bus = breakableBus();
    const { hub, child } = createSupervisedHub({ bus: bus.bus, orderOwner: () => Promise.resolve('alice'), orderSnapshot: () => Promise.resolve(undefined) });
    const notices: SupervisorNotice[] = [];
    const root = createActor(createSupervisorLogic({ children: [child], backoff: { baseMs: 1, maxMs: 2 }, onNotice: (n) => notices.push(n) }));
    root.subscribe({ error: () => undefined });

    const early = new RecordingTransport();
    hub.connect(alice, early);
    expect(early.closed?.code).toBe(1001); // no hub running yet: refused, not queued
    root.start();
    expect(hub.actor?.getSnapshot().status).toBe('active');

    const before = new RecordingTransport();
    hub.connect(alice, before);
    await settle();
    bus.fail();
    expect(before.closed?.code).toBe(1012);
    const exited = notices.find((n) => n.type === 'supervisor.child.exited');
    expect(exited).toMatchObject({ childId: 'hub', exit: 'error' });
    expect((exited as { error: unknown }).error).toBeInstanceOf(HubBusLostError);
    await until(() => notices.some((n) => n.type === 'supervisor.child.restarted'), () => 'the hub restarted');

    // The fresh hub listens to the bus again and delivers.
    expect(bus.subscriptions).toBe(2);
    const after = new RecordingTransport();
    const handle = hub.connect(alice, after);
    handle.receive(JSON.stringify({ type: 'subscribe', topic: 'user:alice' }));
    await until(() => after.ofType('subscribed').length === 1, () => 'subscribed');
    await bus.bus.publish({ topics: ['user:alice'], ownerId: 'alice', event: { n: 1 } });
    await settle();
    expect(after.ofType('event')).toHaveLength(1);

    await hub.stop();
    expect(after.closed?.code).toBe(1001);
    await settle();
    expect(notices.filter((n) => n.type === 'supervisor.child.restarted')).toHaveLength(1); // a final state is not restarted
    expect(root.getSnapshot().context.children[0]).toMatchObject({ id: 'hub', status: 'stopped', lastExit: 'normal' });
    root.stop();
  });
});
