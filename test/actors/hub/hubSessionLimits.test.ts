import { afterEach, describe, expect, it } from 'vitest';
import { alice, hubRig, settle, type HubRig } from './hubHarness.js';

let rig: HubRig;
afterEach(async () => {
  await rig.close();
});

describe('hub - slow and hostile sessions', () => {
  it('queues while the transport is full, drains in order, and cuts a session off with 1013 past the queue bound while others keep receiving', async () => {
    rig = hubRig({ sendQueueFrames: 3 });
    const slow = rig.connect(alice);
    const fast = rig.connect(alice);
    for (const s of [slow, fast]) s.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    await settle();
    slow.transport.full = true;
    const first = await rig.publish('o-1', 'alice'); // written, and the transport now asks to wait
    await rig.publish('o-2', 'alice');
    await rig.publish('o-3', 'alice');
    expect(slow.transport.ofType('event')).toHaveLength(1);
    slow.transport.full = false;
    slow.handle.drained();
    expect(slow.transport.ofType('event')).toHaveLength(3);

    slow.transport.full = true;
    for (let n = 4; n <= 8; n += 1) await rig.publish(`o-${n}`, 'alice');
    expect(slow.transport.closed).toEqual({ code: 1013, reason: 'send queue full (3 frames)' });
    expect(fast.transport.ofType('event').map((e) => e.seq)).toEqual([first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 7]);
    expect(rig.hub.stats.sessions).toBe(1);
    expect(rig.hub.stats.cutOff).toBe(1);
  });

  it('cuts a session off with 1013 once the transport holds more than maxBufferedBytes', async () => {
    rig = hubRig({ maxBufferedBytes: 1024 });
    const a = rig.connect(alice);
    a.handle.receive('{"type":"subscribe","topic":"user:alice"}');
    await settle();
    await rig.publish('o-1', 'alice');
    a.transport.bufferedAmount = 2048;
    await rig.publish('o-2', 'alice');
    expect(a.transport.closed?.code).toBe(1013);
    expect(a.transport.ofType('event')).toHaveLength(1);
    expect(rig.hub.stats.sessions).toBe(0);
  });

  it('rate-limits inbound frames with a token bucket on the clock, then closes a flood with 1008', async () => {
    rig = hubRig({ rateBurst: 2, ratePerSecond: 1, maxRateViolations: 3 });
    const a = rig.connect(alice);
    for (let i = 0; i < 3; i += 1) a.handle.receive('{"type":"ping"}');
    expect(a.transport.parsed.map((f) => f.code ?? f.type)).toEqual(['pong', 'pong', 'rate_limited']);
    rig.clock.advance(1_000);
    a.handle.receive('{"type":"ping"}');
    expect(a.transport.parsed.at(-1)).toEqual({ type: 'pong' });
    for (let i = 0; i < 4; i += 1) a.handle.receive('{"type":"ping"}');
    expect(a.transport.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    expect(rig.hub.stats.sessions).toBe(0);
  });
});
