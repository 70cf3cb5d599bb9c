import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../support/fakeClock.js';
import { EVIL_ORIGIN, realtimeRig, until, type RealtimeRig } from '../websocket/realtimeRig.js';
import { SseClient } from './sseClient.js';

let rig: RealtimeRig;
const clients: SseClient[] = [];
const open = (path: string, headers: Record<string, string> = {}) => {
  const c = new SseClient(rig.base, path, headers);
  clients.push(c);
  return c;
};
const bearer = (user: string) => ({ authorization: `Bearer ${user}` });

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await rig.close();
});

describe('sse gateway - refusals before the stream starts', () => {
  it('401 without a token, 403 for a foreign topic or Origin, 400 without a topic or with a bad Last-Event-ID', async () => {
    rig = await realtimeRig();
    rig.owners.set('o-b', 'bob');
    const cases = [
      open('/events/stream?topic=user:alice'),
      open('/events/stream?topic=user:bob', bearer('alice')),
      open('/events/stream?topic=order:o-b', bearer('alice')),
      open('/events/stream?topic=user:alice', { ...bearer('alice'), origin: EVIL_ORIGIN }),
      open('/events/stream', bearer('alice')),
      open('/events/stream?topic=user:alice', { ...bearer('alice'), 'last-event-id': 'abc' }),
    ];
    await Promise.all(cases.map((c) => c.ready));
    await until(() => cases.every((c) => c.ended));
    expect(cases.map((c) => c.status)).toEqual([401, 403, 403, 403, 400, 400]);
    expect(JSON.parse(cases[1]?.body ?? '')).toMatchObject({ error: 'forbidden' });
    expect(rig.hub.stats.sessions).toBe(0);
  });
});

describe('sse gateway - the stream', () => {
  it('streams text/event-stream with retry, id = seq, event = type, and only the user’s own changes', async () => {
    rig = await realtimeRig({ sse: { retryMs: 1_500 } });
    const c = open('/events/stream?ticket=alice&topic=user:alice');
    await c.ready;
    expect(c.response?.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until(() => c.frames.some((f) => f.event === 'subscribed'));
    const s1 = await rig.publish('o-1', 'alice');
    await rig.publish('o-2', 'bob');
    const s3 = await rig.publish('o-3', 'alice');
    await until(() => c.ids().length === 2);
    expect(c.frames[0]).toEqual({ retry: '1500' });
    expect(c.frames[1]).toEqual({ id: '0', event: 'subscribed', data: '{"type":"subscribed","topic":"user:alice","seq":0}' });
    expect(c.ids()).toEqual([s1, s3]);
    expect(c.events()[0]).toMatchObject({ type: 'event', topic: 'user:alice', seq: s1, event: { orderId: 'o-1' } });
  });

  it('resumes from Last-Event-ID: no gap, no duplicate', async () => {
    rig = await realtimeRig();
    const first = open('/events/stream?topic=order:o-1', bearer('alice'));
    await until(() => first.frames.some((f) => f.event === 'subscribed'));
    const published: number[] = [];
    for (let n = 0; n < 4; n += 1) published.push(await rig.publish('o-1', 'alice', n));
    await until(() => first.ids().length === 4);
    first.close();
    await until(() => rig.hub.stats.sessions === 0);
    for (let n = 4; n < 8; n += 1) published.push(await rig.publish('o-1', 'alice', n));
    const again = open('/events/stream?topic=order:o-1', { ...bearer('alice'), 'last-event-id': String(first.ids().at(-1)) });
    await until(() => again.ids().length === 4);
    published.push(await rig.publish('o-1', 'alice', 8));
    await until(() => again.ids().length === 5);
    expect([...first.ids(), ...again.ids()]).toEqual(published);
    expect(again.frames.filter((f) => f.event === 'reset')).toEqual([]);
  });

  it('sends a reset marker with the snapshot when the history no longer reaches Last-Event-ID', async () => {
    rig = await realtimeRig({ limits: { historyPerTopic: 1 } });
    const s1 = await rig.publish('o-1', 'alice');
    await rig.publish('o-1', 'alice');
    const s3 = await rig.publish('o-1', 'alice');
    const c = open('/events/stream?topic=order:o-1', { ...bearer('alice'), 'last-event-id': String(s1) });
    await until(() => c.frames.some((f) => f.event === 'subscribed'));
    expect(c.frames.slice(1).map((f) => [f.event, f.id])).toEqual([
      ['reset', String(s3)],
      ['subscribed', String(s3)],
    ]);
    expect(c.events('reset')[0]).toMatchObject({ snapshot: { orderId: 'o-1', userId: 'alice' } });
  });

  it('writes heartbeat comments on the clock', async () => {
    const clock = new FakeClock();
    rig = await realtimeRig({ clock, sse: { heartbeatMs: 1_000 } });
    const c = open('/events/stream?topic=user:alice', bearer('alice'));
    await until(() => c.frames.some((f) => f.event === 'subscribed'));
    clock.advance(1_000);
    clock.advance(1_000);
    await until(() => c.frames.filter((f) => f.comment === 'heartbeat').length === 2);
  });

  it('cuts off a client that stops reading while another keeps receiving everything', async () => {
    rig = await realtimeRig({ limits: { sendQueueFrames: 32, maxBufferedBytes: 2 * 1024 * 1024 } });
    const slow = open('/events/stream?topic=user:alice', bearer('alice'));
    const fast = open('/events/stream?topic=user:alice', bearer('alice'));
    await until(() => [slow, fast].every((c) => c.frames.some((f) => f.event === 'subscribed')));
    slow.response?.pause();
    const big = 'z'.repeat(32 * 1024);
    const published: number[] = [];
    for (let n = 0; n < 3_000 && rig.hub.stats.cutOff === 0; n += 1) {
      published.push(await rig.publish(`o-${n}`, 'alice', big));
      await new Promise((resolve) => setImmediate(resolve)); // the fast client reads in this process
    }
    expect(rig.hub.stats.cutOff).toBe(1);
    published.push(await rig.publish('after', 'alice', 'small'));
    await until(() => fast.ids().length === published.length, 10_000, 'the fast client');
    expect(fast.ids()).toEqual(published);
    expect(fast.ended).toBe(false);
    slow.response?.resume();
    await until(() => slow.ended, 10_000, 'the slow stream to end');
    expect(slow.ids().length).toBeLessThan(published.length);
  });
});
