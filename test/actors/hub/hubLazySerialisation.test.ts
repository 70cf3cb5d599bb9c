import { afterEach, describe, expect, it } from 'vitest';
import { alice, hubRig, settle, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
});

const subscribe = (topic: string, since?: number) => JSON.stringify({ type: 'subscribe', topic, since });

/** An event that counts how often it is serialised. */
function countedEvent(orderId: string) {
  const counter = { calls: 0 };
  const event = {
    toJSON() {
      counter.calls += 1;
      return { orderId };
    },
  };
  return { counter, event };
}

const publish = async (orderId: string, event: unknown) => {
  const seq = await rig.bus.publish({ topics: [`order:${orderId}`, 'user:alice', 'admin:all'], ownerId: 'alice', event });
  await settle();
  return seq;
};

describe('hub - serialising only for someone', () => {
  it('serialises nothing while no session follows the topics; a resuming session gets the frame, the event serialised once for all its topics', async () => {
    rig = hubRig();
    const { counter, event } = countedEvent('o-1');
    const seq = await publish('o-1', event);
    expect(counter.calls).toBe(0);

    const byUser = rig.connect(alice);
    byUser.handle.receive(subscribe('user:alice', 0));
    await settle();
    expect(byUser.transport.ofType('event')).toEqual([{ type: 'event', topic: 'user:alice', seq, event: { orderId: 'o-1' } }]);
    const byOrder = rig.connect(alice);
    byOrder.handle.receive(subscribe('order:o-1', 0));
    await settle();
    expect(byOrder.transport.ofType('event')).toEqual([{ type: 'event', topic: 'order:o-1', seq, event: { orderId: 'o-1' } }]);
    expect(counter.calls).toBe(1);

    // Live now: the next change is serialised once, for the two sessions on their two topics.
    const next = countedEvent('o-1');
    await publish('o-1', next.event);
    expect(next.counter.calls).toBe(1);
    expect(byUser.transport.ofType('event')).toHaveLength(2);
    expect(byOrder.transport.ofType('event')).toHaveLength(2);
  });

  it('an event that cannot be serialised is counted once, sent to no one, and left out of a replay', async () => {
    rig = hubRig();
    const live = rig.connect(alice);
    live.handle.receive(subscribe('user:alice'));
    await settle();
    await publish('o-1', { orderId: 'o-1', amount: 10n });
    const good = await publish('o-2', { orderId: 'o-2' });
    expect(live.transport.ofType('event').map((f) => f.seq)).toEqual([good]);
    expect(rig.hub.stats.unserialisable).toBe(1);

    const resumed = rig.connect(alice);
    resumed.handle.receive(subscribe('user:alice', 0));
    await settle();
    expect(resumed.transport.ofType('event').map((f) => f.seq)).toEqual([good]);
    expect(rig.hub.stats.unserialisable).toBe(1);
  });
});
