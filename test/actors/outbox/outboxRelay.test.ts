import { afterEach, describe, expect, it } from 'vitest';
import { OutboxRelay, type OutboxRelayOptions } from '../../../src/actors/outbox/outboxRelay.js';
import { OutboxRelayError } from '../../../src/actors/outbox/outboxRelayErrors.js';
import { OutboxRelayOptionsError } from '../../../src/actors/outbox/outboxRelayOptions.js';
import type { OutboxStore } from '../../../src/actors/outbox/outboxStore.js';
import { createMemoryOrderStore, type MemoryOrderStore } from '../../../src/gateways/memory/index.js';
import { FakeClock } from '../../support/fakeClock.js';
import { entry, FakeSink, flush, seed } from './outboxSupport.js';

const relays: OutboxRelay[] = [];
afterEach(() => relays.splice(0).forEach((r) => r.abandon()));

function setup(options: Partial<OutboxRelayOptions> & { store?: OutboxStore } = {}) {
  const clock = new FakeClock();
  const store = createMemoryOrderStore();
  const sink = new FakeSink();
  const errors: { error: OutboxRelayError; failures: number; retryInMs: number }[] = [];
  const make = (overrides: Partial<OutboxRelayOptions> = {}) => {
    const relay = new OutboxRelay({
      store: options.store ?? store,
      sink,
      channel: 'order.status',
      clock,
      onError: (error, info) => errors.push({ error, ...info }),
      ...options,
      ...overrides,
    });
    relays.push(relay);
    return relay;
  };
  return { clock, store, sink, errors, make };
}

describe('outbox relay - publish then remove', () => {
  it('publishes each entry as a CloudEvent to the channel while it is still stored, and removes it only afterwards', async () => {
    const { store, sink, make } = setup();
    await seed(store, [entry('a', 1), entry('a', 2)]);
    const storedAtPublish: number[] = [];
    sink.behave = () => (void store.outboxBacklog().then((n) => storedAtPublish.push(n)), 'ok');
    make().start();
    await flush();
    expect(sink.ids).toEqual(['a:status:1', 'a:status:2']);
    expect(storedAtPublish).toEqual([2, 2]);
    expect(await store.outboxBacklog()).toBe(0);
    expect(sink.sent[0]).toMatchObject({
      channel: 'order.status',
      key: 'a',
      event: { specversion: '1.0', id: 'a:status:1', type: 'order.status-changed', partitionkey: 'a', correlationid: 'corr-a', causationid: 'a:cause:1', data: { from: 'pending', to: 'paid' } },
    });
  });

  it('keeps one order in order while publishing different orders at once', async () => {
    const { store, sink, make } = setup();
    await seed(store, [entry('a', 1), entry('b', 1), entry('a', 2), entry('b', 2)]);
    sink.behave = () => 'hold';
    make().start();
    await flush();
    expect(sink.attempts).toEqual(['a:status:1', 'b:status:1']); // a:2 waits for a:1
    sink.release();
    await flush();
    expect(sink.attempts).toEqual(['a:status:1', 'b:status:1', 'a:status:2', 'b:status:2']);
    sink.release();
    await flush();
    expect(await store.outboxBacklog()).toBe(0);
  });

  it('relays a backlog larger than a batch, batch after batch, without waiting for the poll', async () => {
    const { store, sink, make } = setup({ batchSize: 3 });
    const entries = Array.from({ length: 10 }, (_, i) => entry(`o${i % 2}`, i));
    await seed(store, entries);
    make().start();
    await flush(40);
    expect(sink.ids).toEqual(entries.map((e) => e.id));
  });

  it('sleeps when empty: a wake relays a new entry at once, else the poll finds it', async () => {
    const { store, sink, clock, make } = setup({ pollMs: 500 });
    const relay = make().start();
    await flush();
    expect(clock.pending).toBe(1); // the poll
    await seed(store, [entry('a', 1)]);
    relay.wake();
    await flush();
    expect(sink.ids).toEqual(['a:status:1']);

    await seed(store, [entry('a', 2)]); // written by another instance: nobody wakes this relay
    await flush();
    expect(sink.ids).toHaveLength(1);
    clock.advance(499);
    await flush();
    expect(sink.ids).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(sink.ids).toEqual(['a:status:1', 'a:status:2']);
  });
});

describe('outbox relay - crashes', () => {
  it('re-sends an entry with the same id when the relay crashed after the broker had it and before removing it', async () => {
    const { store, sink, make } = setup();
    await seed(store, [entry('a', 1), entry('a', 2)]);
    const first = make();
    sink.behave = (_sent, attempt) => {
      if (attempt === 1) first.abandon(); // the process dies while the broker confirms
      return 'ok';
    };
    first.start();
    await flush();
    expect(sink.ids).toEqual(['a:status:1']);
    expect(await store.outboxBacklog()).toBe(2); // nothing removed

    make().start(); // the restarted process
    await flush();
    expect(sink.ids).toEqual(['a:status:1', 'a:status:1', 'a:status:2']);
    expect(new Set(sink.ids)).toEqual(new Set(['a:status:1', 'a:status:2']));
    expect(await store.outboxBacklog()).toBe(0);
  });

  it('re-sends with the same id when removing failed after the publish', async () => {
    const { store, sink, clock, errors, make } = setup();
    await seed(store, [entry('a', 1)]);
    let failRemove = true;
    const flaky: OutboxStore = {
      readOutbox: (limit) => store.readOutbox(limit),
      outboxBacklog: () => store.outboxBacklog(),
      removeOutbox: async (ids) => {
        if (failRemove) {
          failRemove = false;
          throw new Error('injected: store unavailable');
        }
        await store.removeOutbox(ids);
      },
    };
    make({ store: flaky }).start();
    await flush();
    expect(errors.map((e) => [e.error.stage, e.error.entryId])).toEqual([['remove', 'a:status:1']]);
    clock.advance(errors[0]!.retryInMs);
    await flush();
    expect(sink.ids).toEqual(['a:status:1', 'a:status:1']);
    expect(await store.outboxBacklog()).toBe(0);
  });
});

describe('outbox relay - failures', () => {
  it('retries a failed publish with doubling backoff up to the maximum, and keeps the order of the order behind it', async () => {
    const { store, sink, clock, errors, make } = setup({ retryBaseMs: 100, retryMaxMs: 300 });
    await seed(store, [entry('a', 1), entry('a', 2)]);
    let failures = 4;
    sink.behave = () => (failures-- > 0 ? 'fail' : 'ok');
    make().start();
    await flush();
    expect(errors.map((e) => e.retryInMs)).toEqual([100]);
    for (const wait of [100, 200, 300]) {
      clock.advance(wait - 1);
      await flush();
      const before = sink.attempts.length;
      clock.advance(1);
      await flush();
      expect(sink.attempts.length).toBe(before + 1);
    }
    expect(errors.map((e) => [e.error.stage, e.error.entryId, e.failures, e.retryInMs])).toEqual([
      ['publish', 'a:status:1', 1, 100],
      ['publish', 'a:status:1', 2, 200],
      ['publish', 'a:status:1', 3, 300],
      ['publish', 'a:status:1', 4, 300],
    ]);
    expect(errors[0]!.error).toBeInstanceOf(OutboxRelayError);
    expect(errors[0]!.error.cause).toBeInstanceOf(Error);
    clock.advance(300);
    await flush();
    expect(sink.ids).toEqual(['a:status:1', 'a:status:2']);
    expect(sink.attempts.indexOf('a:status:2')).toBe(sink.attempts.length - 1); // never before a:1 went out
  });

  it('does not let wakes cut a backoff short', async () => {
    const { store, sink, clock, make } = setup({ retryBaseMs: 1000, retryMaxMs: 1000 });
    await seed(store, [entry('a', 1)]);
    sink.behave = (_s, attempt) => (attempt === 1 ? 'fail' : 'ok');
    const relay = make().start();
    await flush();
    for (let i = 0; i < 5; i++) relay.wake();
    await flush();
    expect(sink.attempts).toHaveLength(1);
    clock.advance(1000);
    await flush();
    expect(sink.ids).toEqual(['a:status:1']);
  });

  it('gives up after maxFailures consecutive failed passes: calls onFailure, stops, leaves no timer', async () => {
    const failed: OutboxRelayError[] = [];
    const { store, sink, clock, make } = setup({ maxFailures: 2, onFailure: (e) => failed.push(e) });
    await seed(store, [entry('a', 1)]);
    sink.behave = () => 'fail';
    const relay = make().start();
    await flush();
    clock.advance(100);
    await flush();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ stage: 'publish', entryId: 'a:status:1' });
    expect(relay.running).toBe(false);
    expect(clock.pending).toBe(0);
    expect(await store.outboxBacklog()).toBe(1); // kept for the next relay
  });

  it('a throwing listener does not stop the relay', async () => {
    const { store, sink, clock, make } = setup({
      onError: () => {
        throw new Error('listener bug');
      },
    });
    await seed(store, [entry('a', 1)]);
    sink.behave = (_s, attempt) => (attempt === 1 ? 'fail' : 'ok');
    make().start();
    await flush();
    clock.advance(100);
    await flush();
    expect(sink.ids).toEqual(['a:status:1']);
  });
});

describe('outbox relay - stop', () => {
  it('leaves no timer when stopped idle or while backing off, and is idempotent', async () => {
    const { store, sink, clock, make } = setup();
    const idle = make().start();
    await flush();
    expect(clock.pending).toBe(1);
    const stopped = idle.stop();
    expect(idle.stop()).toBe(stopped);
    await stopped;
    expect(clock.pending).toBe(0);
    idle.wake();
    await flush();
    expect(clock.pending).toBe(0);

    await seed(store, [entry('a', 1)]);
    sink.behave = () => 'fail';
    const backingOff = make().start();
    await flush();
    expect(clock.pending).toBe(1); // the backoff
    await backingOff.stop({ drainMs: 0 });
    expect(clock.pending).toBe(0);
    expect(backingOff.running).toBe(false);
  });

  it('drains before stopping: what is pending goes out first', async () => {
    const { store, sink, clock, make } = setup({ batchSize: 2 });
    const relay = make().start();
    await flush();
    await seed(store, [entry('a', 1), entry('b', 1), entry('a', 2)]); // nobody woke it
    await relay.stop({ drainMs: 5_000 });
    expect(sink.ids).toEqual(['a:status:1', 'b:status:1', 'a:status:2']);
    expect(await store.outboxBacklog()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('stops at the drain deadline when the broker does not answer, keeping the entry and leaving no timer', async () => {
    const { store, sink, clock, make } = setup();
    await seed(store, [entry('a', 1)]);
    sink.behave = () => 'hold';
    const relay = make().start();
    await flush();
    let done = false;
    const stopping = relay.stop({ drainMs: 1_000 }).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    clock.advance(1_000);
    await stopping;
    expect(clock.pending).toBe(0);
    expect(await store.outboxBacklog()).toBe(1);
    sink.release(); // the broker answers late: the relay removes what it published, and starts nothing new
    await flush();
    expect(clock.pending).toBe(0);
  });

  it('abandon stops at once and removes nothing an in-flight pass published', async () => {
    const { store, sink, clock, make } = setup();
    await seed(store, [entry('a', 1), entry('a', 2)]);
    sink.behave = () => 'hold';
    const relay = make().start();
    await flush();
    relay.abandon();
    sink.release();
    await flush();
    expect(sink.ids).toEqual(['a:status:1']); // a:2 was never started
    expect(await store.outboxBacklog()).toBe(2);
    expect(clock.pending).toBe(0);
  });
});

describe('outbox relay - options', () => {
  it.each([
    [{ channel: '' }, /channel must be a non-empty string/],
    [{ batchSize: 0 }, /batchSize must be a positive integer/],
    [{ pollMs: 1.5 }, /pollMs must be a positive integer/],
    [{ retryBaseMs: 500, retryMaxMs: 100 }, /retryBaseMs \(500\) must not exceed retryMaxMs/],
    [{ maxFailures: 0 }, /maxFailures must be a positive integer/],
  ])('refuses %o with a named error', (bad, message) => {
    const store: MemoryOrderStore = createMemoryOrderStore();
    const make = () => new OutboxRelay({ store, sink: new FakeSink(), channel: 'order.status', ...bad });
    expect(make).toThrow(OutboxRelayOptionsError);
    expect(make).toThrow(message);
  });
});
