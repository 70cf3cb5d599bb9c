import { afterEach, describe, expect, it } from 'vitest';
import { admin, alice, bob, hubRig, settle, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
  expect(rig.clock.pending).toBe(0);
});

describe('hub - fan-out', () => {
  it('delivers each change to the sessions of its topics, one string serialised once for all of them', async () => {
    rig = hubRig();
    const a1 = rig.connect(alice);
    const a2 = rig.connect(alice);
    const b = rig.connect(bob);
    for (const s of [a1, a2]) s.handle.receive(JSON.stringify({ type: 'subscribe', topic: 'user:alice' }));
    b.handle.receive(JSON.stringify({ type: 'subscribe', topic: 'user:bob' }));
    await settle();
    expect(a1.transport.ofType('subscribed')).toEqual([{ type: 'subscribed', topic: 'user:alice', seq: 0 }]);

    const seq1 = await rig.publish('o-1', 'alice', 1);
    const seq2 = await rig.publish('o-2', 'bob', 2);
    const seq3 = await rig.publish('o-3', 'alice', 3);

    const events = (t: typeof a1.transport) => t.frames.filter((f) => f.type === 'event');
    expect(events(a1.transport).map((f) => f.seq)).toEqual([seq1, seq3]);
    expect(events(b.transport).map((f) => f.seq)).toEqual([seq2]);
    expect(a1.transport.ofType('event')[0]).toEqual({ type: 'event', topic: 'user:alice', seq: seq1, event: { orderId: 'o-1', n: 1 } });
    // The very same string object went to both sessions: serialised once per topic, not per session.
    expect(events(a1.transport)[0]?.frame).toBe(events(a2.transport)[0]?.frame);
    expect(rig.hub.stats.delivered).toBe(5);
  });

  it('an admin on admin:all sees every change; a user may not subscribe to it', async () => {
    rig = hubRig();
    const root = rig.connect(admin);
    const a = rig.connect(alice);
    root.handle.receive('{"type":"subscribe","topic":"admin:all"}');
    a.handle.receive('{"type":"subscribe","topic":"admin:all"}');
    await settle();
    await rig.publish('o-1', 'alice');
    await rig.publish('o-2', 'bob');
    expect(root.transport.ofType('event')).toHaveLength(2);
    expect(a.transport.ofType('error')).toEqual([{ type: 'error', code: 'forbidden', message: 'admin:all is for admins only', topic: 'admin:all' }]);
    expect(a.transport.ofType('event')).toHaveLength(0);
  });

  it('unsubscribe stops delivery; a closed session is forgotten', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    a.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    await settle();
    await rig.publish('o-1', 'alice');
    a.handle.receive('{"type":"unsubscribe","topic":"user:alice"}');
    await rig.publish('o-2', 'alice');
    expect(a.transport.ofType('event')).toHaveLength(1);
    a.handle.receive('{"type":"unsubscribe","topic":"user:alice"}');
    expect(a.transport.ofType('error').at(-1)).toMatchObject({ code: 'not_subscribed' });
    expect(rig.hub.stats.sessions).toBe(1);
    a.handle.close();
    a.handle.close();
    expect(rig.hub.stats.sessions).toBe(0);
  });

  it('stopping the hub closes every session with 1001 and a later connection at once', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    await rig.hub.stop();
    expect(a.transport.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(rig.connect(bob).transport.closed?.code).toBe(1001);
  });

  it('a full hub refuses the next session with 1013', async () => {
    rig = hubRig({ maxSessions: 1 });
    rig.connect(alice);
    expect(rig.hub.full).toBe(true);
    expect(rig.connect(bob).transport.closed?.code).toBe(1013);
  });

  it('a bus that fails closes every session with 1012 so clients reconnect elsewhere', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    await rig.bus.close(); // completes messages$: the hub has nothing left to deliver
    expect(a.transport.closed?.code).toBe(1012);
    expect(rig.hub.actor?.getSnapshot().status).toBe('done');
  });
});
