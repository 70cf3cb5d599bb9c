import { afterEach, describe, expect, it } from 'vitest';
import { alice, hubRig, settle, view, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
});

const subscribe = (topic: string, since?: number) => JSON.stringify({ type: 'subscribe', topic, since });

describe('hub - resume', () => {
  it('resumes after since with exactly what was missed, then live, no gap and no duplicate', async () => {
    rig = hubRig({ historyPerTopic: 10 });
    const first = rig.connect(alice);
    first.handle.receive(subscribe('user:alice'));
    await settle();
    const seqs: number[] = [];
    for (let n = 0; n < 3; n += 1) seqs.push(await rig.publish(`o-${n}`, 'alice'));
    const lastSeen = first.transport.frames.at(-1)?.seq as number;
    first.handle.close();
    for (let n = 3; n < 6; n += 1) seqs.push(await rig.publish(`o-${n}`, 'alice'));

    const again = rig.connect(alice);
    again.handle.receive(subscribe('user:alice', lastSeen));
    await settle();
    seqs.push(await rig.publish('o-6', 'alice'));
    const received = [...first.transport.frames, ...again.transport.frames].filter((f) => f.type === 'event').map((f) => f.seq);
    expect(received).toEqual(seqs);
    expect(again.transport.parsed[0]).toEqual({ type: 'subscribed', topic: 'user:alice', seq: lastSeen });
    expect(again.transport.ofType('reset')).toEqual([]);
  });

  it('replays only what the session may read', async () => {
    rig = hubRig();
    const admin = rig.connect({ userId: 'root', role: 'admin' });
    admin.handle.receive(subscribe('order:o-1'));
    await settle();
    await rig.publish('o-1', 'bob');
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-x', 0));
    await settle();
    expect(a.transport.ofType('event')).toEqual([]);
  });

  it('sends a reset with the current snapshot when the history no longer reaches back, and never goes backwards', async () => {
    rig = hubRig({ historyPerTopic: 2 });
    const seqs: number[] = [];
    for (let n = 0; n < 5; n += 1) seqs.push(await rig.publish('o-1', 'alice', n));
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-1', seqs[1]));
    await settle();
    const last = seqs.at(-1) as number;
    expect(a.transport.parsed).toEqual([
      { type: 'reset', topic: 'order:o-1', seq: last, snapshot: view('o-1', 'alice') },
      { type: 'subscribed', topic: 'order:o-1', seq: last },
    ]);
    const next = await rig.publish('o-1', 'alice', 9);
    expect(a.transport.frames.map((f) => f.seq)).toEqual([last, last, next]);
  });

  it('a user topic past its history gets a reset without snapshot', async () => {
    rig = hubRig({ historyPerTopic: 1 });
    const s1 = await rig.publish('o-1', 'alice');
    await rig.publish('o-2', 'alice');
    const s3 = await rig.publish('o-3', 'alice');
    const a = rig.connect(alice);
    a.handle.receive(subscribe('user:alice', s1));
    await settle();
    expect(a.transport.parsed).toEqual([
      { type: 'reset', topic: 'user:alice', seq: s3 },
      { type: 'subscribed', topic: 'user:alice', seq: s3 },
    ]);
  });

  it('a since ahead of the hub (another instance was ahead) is kept: nothing at or below it is sent', async () => {
    rig = hubRig();
    const s1 = await rig.publish('o-1', 'alice');
    const a = rig.connect(alice);
    a.handle.receive(subscribe('user:alice', s1 + 1));
    await settle();
    await rig.publish('o-2', 'alice'); // seq s1 + 1: the client has it already
    const s3 = await rig.publish('o-3', 'alice');
    expect(a.transport.frames.map((f) => [f.type, f.seq])).toEqual([
      ['subscribed', s1 + 1],
      ['event', s3],
    ]);
  });

  it('a snapshot that turns out to be foreign is refused, not sent', async () => {
    rig = hubRig({ historyPerTopic: 1 }, { orderOwner: () => Promise.resolve(undefined) });
    await rig.publish('o-1', 'bob');
    await rig.publish('o-1', 'bob');
    const a = rig.connect(alice);
    a.handle.receive(subscribe('order:o-1', 0));
    await settle();
    expect(a.transport.parsed).toEqual([{ type: 'error', code: 'forbidden', message: 'order:o-1 is not yours', topic: 'order:o-1' }]);
  });
});
