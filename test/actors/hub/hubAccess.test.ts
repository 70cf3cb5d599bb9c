import { afterEach, describe, expect, it } from 'vitest';
import { admin, alice, bob, hubRig, settle, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
});

const subscribe = (topic: string, since?: number) => JSON.stringify(since === undefined ? { type: 'subscribe', topic } : { type: 'subscribe', topic, since });

describe('hub - who sees what', () => {
  it('refuses a foreign user topic and sends nothing of it', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    a.handle.receive(subscribe('user:bob'));
    await settle();
    await rig.publish('o-1', 'bob');
    expect(a.transport.parsed).toEqual([{ type: 'error', code: 'forbidden', message: 'user:bob is not yours', topic: 'user:bob' }]);
  });

  it('refuses an order that is known to be someone else’s', async () => {
    rig = hubRig();
    rig.owners.set('o-9', 'bob');
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-9'));
    await settle();
    await rig.publish('o-9', 'bob');
    expect(a.transport.parsed).toEqual([{ type: 'error', code: 'forbidden', message: 'order:o-9 is not yours', topic: 'order:o-9' }]);
  });

  it('lets a user wait on an order not known yet, but filters every delivery by owner', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-new'));
    await settle();
    expect(a.transport.ofType('subscribed')).toHaveLength(1);
    await rig.publish('o-new', 'bob'); // it turned out to be bob's
    expect(a.transport.ofType('event')).toEqual([]);
    const root = rig.connect(admin);
    root.handle.receive(subscribe('order:o-new', 0));
    await settle();
    expect(root.transport.ofType('event')).toHaveLength(1); // the admin's replay has it
  });

  it('a failing owner lookup is an error frame, not a crash, and the topic may be asked again', async () => {
    let fail = true;
    rig = hubRig({}, { orderOwner: () => (fail ? Promise.reject(new Error('store down')) : Promise.resolve('alice')) });
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-1'));
    await settle();
    expect(a.transport.ofType('error')).toEqual([expect.objectContaining({ code: 'lookup_failed', topic: 'order:o-1' })]);
    fail = false;
    a.handle.receive(subscribe('order:o-1'));
    await settle();
    expect(a.transport.ofType('subscribed')).toHaveLength(1);
  });

  it('answers invalid frames with error frames and keeps the session', async () => {
    rig = hubRig();
    const a = rig.connect(alice);
    for (const text of ['not json', '[1]', '{"type":"dance"}', '{"type":"subscribe"}', '{"type":"subscribe","topic":"user:alice","since":-1}', '{"type":"subscribe","topic":"weather:today"}']) {
      a.handle.receive(text);
    }
    a.handle.receive('{"type":"ping"}');
    await settle();
    expect(a.transport.parsed.map((f) => f.code ?? f.type)).toEqual(['invalid_json', 'invalid_frame', 'unknown_type', 'invalid_frame', 'invalid_frame', 'invalid_topic', 'pong']);
    expect(a.transport.closed).toBeUndefined();
  });

  it('caps subscriptions per connection and refuses a second subscribe to the same topic', async () => {
    rig = hubRig({ maxSubscriptions: 2 });
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-1'));
    a.handle.receive(subscribe('order:o-1'));
    a.handle.receive(subscribe('order:o-2'));
    a.handle.receive(subscribe('order:o-3'));
    await settle();
    expect(a.transport.parsed.map((f) => f.code ?? f.type)).toEqual(['already_subscribed', 'too_many_subscriptions', 'subscribed', 'subscribed']);
  });

  it('authorise answers without subscribing (what SSE asks before it answers 200)', async () => {
    rig = hubRig();
    rig.owners.set('o-1', 'bob');
    expect(await rig.hub.authorise(alice, 'user:alice')).toBeUndefined();
    expect(await rig.hub.authorise(alice, 'order:o-1')).toMatchObject({ code: 'forbidden' });
    expect(await rig.hub.authorise(bob, 'order:o-1')).toBeUndefined();
    expect(await rig.hub.authorise(alice, 'nope')).toMatchObject({ code: 'invalid_topic' });
  });
});
