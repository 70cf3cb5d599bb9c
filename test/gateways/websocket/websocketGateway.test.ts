import { afterEach, describe, expect, it } from 'vitest';
import { EVIL_ORIGIN, realtimeRig, TestClient, until, type RealtimeRig } from './realtimeRig.js';

let rig: RealtimeRig;
const clients: TestClient[] = [];
const client = (init: ConstructorParameters<typeof TestClient>[1]) => {
  const c = new TestClient(rig.base, init);
  clients.push(c);
  return c;
};

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await rig.close();
});

const eventsOf = (c: TestClient) => c.ofType('event').map((f) => f.seq as number);

describe('websocket gateway - connecting', () => {
  it('refuses the upgrade with 401 without a token or with a bad one, and 403 from a foreign Origin', async () => {
    rig = await realtimeRig();
    const none = client({});
    const bad = client({ user: 'bad' });
    const evil = client({ user: 'alice', origin: EVIL_ORIGIN });
    for (const c of [none, bad, evil]) await expect(c.opened).rejects.toThrow();
    expect([none.refusedWith, bad.refusedWith, evil.refusedWith]).toEqual([401, 401, 403]);
    expect(rig.ws.connections).toBe(0);
  });

  it('accepts a ticket in the query string (browsers) and answers ping with pong', async () => {
    rig = await realtimeRig();
    const c = client({ query: '?ticket=alice' });
    await c.opened;
    c.send({ type: 'ping' });
    await until(() => c.frames.length > 0);
    expect(c.frames).toEqual([{ type: 'pong' }]);
  });
});

describe('websocket gateway - subscriptions', () => {
  it('delivers the user’s own changes and refuses a foreign topic with an error frame, sending nothing of it', async () => {
    rig = await realtimeRig();
    const alice = client({ user: 'alice' });
    await alice.opened;
    await alice.subscribe('user:alice');
    await alice.subscribe('user:bob');
    rig.owners.set('o-b', 'bob');
    await alice.subscribe('order:o-b');
    const s1 = await rig.publish('o-a', 'alice');
    await rig.publish('o-b', 'bob');
    const s3 = await rig.publish('o-a', 'alice');
    await until(() => eventsOf(alice).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20)); // anything foreign would have arrived by now
    expect(eventsOf(alice)).toEqual([s1, s3]);
    expect(alice.ofType('error').map((f) => [f.code, f.topic])).toEqual([
      ['forbidden', 'user:bob'],
      ['forbidden', 'order:o-b'],
    ]);
    expect(alice.frames.some((f) => JSON.stringify(f).includes('bob') && f.type === 'event')).toBe(false);
  });

  it('resumes with since: no gap, no duplicate', async () => {
    rig = await realtimeRig();
    const first = client({ user: 'alice' });
    await first.opened;
    await first.subscribe('user:alice');
    const published: number[] = [];
    for (let n = 0; n < 5; n += 1) published.push(await rig.publish(`o-${n}`, 'alice'));
    await until(() => eventsOf(first).length === 5);
    await first.close();
    const lastSeen = eventsOf(first).at(-1) as number;
    for (let n = 5; n < 10; n += 1) published.push(await rig.publish(`o-${n}`, 'alice'));

    const again = client({ user: 'alice' });
    await again.opened;
    await again.subscribe('user:alice', lastSeen);
    for (let n = 10; n < 12; n += 1) published.push(await rig.publish(`o-${n}`, 'alice'));
    await until(() => eventsOf(again).length === 7);
    expect([...eventsOf(first), ...eventsOf(again)]).toEqual(published);
    expect(again.ofType('reset')).toEqual([]);
  });

  it('gives a reset marker with the snapshot when the history is too short', async () => {
    rig = await realtimeRig({ limits: { historyPerTopic: 2 } });
    const seqs: number[] = [];
    for (let n = 0; n < 5; n += 1) seqs.push(await rig.publish('o-1', 'alice', n));
    const c = client({ user: 'alice' });
    await c.opened;
    await c.subscribe('order:o-1', seqs[0]);
    const last = seqs.at(-1) as number;
    expect(c.frames).toEqual([
      { type: 'reset', topic: 'order:o-1', seq: last, snapshot: expect.objectContaining({ orderId: 'o-1', userId: 'alice' }) },
      { type: 'subscribed', topic: 'order:o-1', seq: last },
    ]);
    const next = await rig.publish('o-1', 'alice');
    await until(() => eventsOf(c).length === 1);
    expect(eventsOf(c)).toEqual([next]);
  });
});

describe('websocket gateway - hostile and slow clients', () => {
  it('answers invalid JSON and unknown frames with error frames and keeps the connection', async () => {
    rig = await realtimeRig();
    const c = client({ user: 'alice' });
    await c.opened;
    c.send('{nope');
    c.send({ type: 'launch' });
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send({ type: 'ping' });
    await until(() => c.frames.length === 4);
    expect(c.frames.map((f) => f.code ?? f.type)).toEqual(['invalid_json', 'unknown_type', 'invalid_json', 'pong']);
    expect(c.closed).toBeUndefined();
  });

  it('closes the connection with 1009 on a frame over maxPayload', async () => {
    rig = await realtimeRig();
    const c = client({ user: 'alice' });
    await c.opened;
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
    await until(() => c.closed !== undefined);
    expect(c.closed?.code).toBe(1009);
    await until(() => rig.hub.stats.sessions === 0);
  });

  it('rate-limits a flood with error frames, then closes it with 1008', async () => {
    rig = await realtimeRig({ limits: { rateBurst: 5, ratePerSecond: 1, maxRateViolations: 10 } });
    const c = client({ user: 'alice' });
    await c.opened;
    for (let i = 0; i < 50; i += 1) c.send({ type: 'ping' });
    await until(() => c.closed !== undefined);
    expect(c.ofType('pong')).toHaveLength(5);
    expect(c.ofType('error').every((f) => f.code === 'rate_limited')).toBe(true);
    expect(c.ofType('error').length).toBe(10);
    expect(c.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
  });

  it('cuts off a client that stops reading with 1013 while another keeps receiving everything in order', async () => {
    rig = await realtimeRig({ limits: { sendQueueFrames: 64, maxBufferedBytes: 2 * 1024 * 1024 }, websocket: { closeGraceMs: 20_000 } });
    const slow = client({ user: 'alice' });
    const fast = client({ user: 'alice' });
    await Promise.all([slow.opened, fast.opened]);
    await slow.subscribe('user:alice');
    await fast.subscribe('user:alice');
    slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's
    const big = 'y'.repeat(32 * 1024);
    const published: number[] = [];
    for (let n = 0; n < 3_000 && rig.hub.stats.cutOff === 0; n += 1) {
      published.push(await rig.publish(`o-${n}`, 'alice', big));
      // One turn of the event loop per change: the fast client lives in this process and reads on it.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(rig.hub.stats.cutOff).toBe(1);
    expect(fast.closed).toBeUndefined();
    for (let n = 0; n < 5; n += 1) published.push(await rig.publish(`after-${n}`, 'alice', 'small'));
    await until(() => eventsOf(fast).length === published.length, 10_000, 'the fast client');
    expect(eventsOf(fast)).toEqual(published);
    slow.socket.resume();
    await until(() => slow.closed !== undefined, 10_000, 'the slow client to read its close frame');
    expect(slow.closed?.code).toBe(1013);
    expect(eventsOf(slow).length).toBeLessThan(published.length);
  });

  it('terminates a peer that stops answering pings', async () => {
    const { FakeClock } = await import('../../support/fakeClock.js');
    const clock = new FakeClock();
    rig = await realtimeRig({ clock, websocket: { heartbeatMs: 1_000 } });
    const dead = client({ user: 'alice', autoPong: false });
    const alive = client({ user: 'bob' });
    await Promise.all([dead.opened, alive.opened]);
    await until(() => rig.ws.connections === 2);
    clock.advance(1_000); // ping
    await new Promise((resolve) => setTimeout(resolve, 50)); // the live peer's pong arrives
    clock.advance(1_000); // no pong from the dead one: terminated
    await until(() => dead.closed !== undefined);
    expect(dead.closed?.code).toBe(1006);
    expect(alive.closed).toBeUndefined();
    expect(rig.ws.connections).toBe(1);
  });
});
