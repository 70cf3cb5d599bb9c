import { afterEach, describe, expect, it } from 'vitest';
import { admin, alice, hubRig, settle, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
  expect(rig.clock.pending).toBe(0);
});

/** An order change as the pipeline announces it: the causing event's id is the message's id. */
async function announce(id: string | undefined, orderId: string, n: number): Promise<number> {
  const seq = await rig.bus.publish({ ...(id === undefined ? {} : { id }), topics: [`order:${orderId}`, 'user:alice', 'admin:all'], ownerId: 'alice', event: { orderId, n } });
  await settle();
  return seq;
}

describe('hub - repeated announcements (a change announced again after a crash)', () => {
  it('drops a message whose id is still in its first topic’s history, on every topic', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    const root = rig.connect(admin);
    a.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    root.handle.receive('{"type":"subscribe","topic":"admin:all"}');
    await settle();

    const first = await announce('ev-1', 'o-1', 1);
    await announce('ev-2', 'o-1', 2);
    await announce('ev-1', 'o-1', 1); // the redelivery of ev-1 announces it again

    expect(a.transport.ofType('event').map((f) => f.seq)).toEqual([first, first + 1]);
    expect(root.transport.ofType('event')).toHaveLength(2);
    expect(rig.hub.stats.repeats).toBe(1);
  });

  it('a session resuming after the repeat gets the change once', async () => {
    rig = hubRig();
    const before = await announce('ev-1', 'o-1', 1);
    await announce('ev-1', 'o-1', 1);
    const a = rig.connect(alice);
    a.handle.receive(JSON.stringify({ type: 'subscribe', topic: 'order:o-1', since: before - 1 }));
    await settle();
    expect(a.transport.ofType('event').map((f) => f.event)).toEqual([{ orderId: 'o-1', n: 1 }]);
  });

  it('delivers a message without an id every time, and one whose original has left the history', async () => {
    rig = hubRig({ historyPerTopic: 2 });
    const a = rig.connect(alice);
    a.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    await settle();

    await announce(undefined, 'o-1', 1);
    await announce(undefined, 'o-1', 1);
    await announce('ev-1', 'o-1', 1);
    await announce('ev-2', 'o-1', 2);
    await announce('ev-3', 'o-1', 3); // ev-1 is no longer among order:o-1's last two
    await announce('ev-1', 'o-1', 1);

    expect(a.transport.ofType('event').map((f) => (f.event as { n: number }).n)).toEqual([1, 1, 1, 2, 3, 1]);
    expect(rig.hub.stats.repeats).toBe(0);
  });

  it('the same id on another order is not a repeat', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    a.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    await settle();
    await announce('ev-1', 'o-1', 1);
    await announce('ev-1', 'o-2', 1);
    expect(a.transport.ofType('event')).toHaveLength(2);
  });
});
