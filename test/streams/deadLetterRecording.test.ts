import { describe, expect, it } from 'vitest';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createMemoryDeadLetterStore } from '../../src/gateways/memory/createMemoryDeadLetterStore.js';
import { createDelivery } from '../../src/streams/createDelivery.js';
import type { DeadLetterDetails } from '../../src/streams/deadLetterHeaders.js';
import type { DeadLetterEntry, DeadLetterStore } from '../../src/streams/deadLetterStore.js';
import { SettlementError, type DeadLetterReason } from '../../src/streams/delivery.js';
import { FailureTimes } from '../../src/streams/failureTimes.js';
import { identifyEvent } from '../../src/streams/identifyEvent.js';
import { DeadLetterIndexError, recordingDelivery, type RecordDeadLettersConfig } from '../../src/streams/recordDeadLetters.js';
import { settle } from '../../src/streams/settle.js';
import { FakeClock } from '../support/fakeClock.js';
import { envelopeOf } from '../support/orderEvents.js';
import { deferred, flush } from './fakeDelivery.js';

type Call = { kind: 'ack' } | { kind: 'retry'; delayMs: number } | { kind: 'deadLetter'; reason: DeadLetterDetails } | { kind: 'index'; entry: DeadLetterEntry };

const poison = envelopeOf('payment.completed', 'o-A', {}, 'evt-poison');
const reason: DeadLetterReason = { code: 'max-attempts', message: 'gave up after 5 attempts', error: 'Error: boom', attempts: 5 };

/** A real CloudEvent delivery whose broker side and index both write to one `calls` log, so their order shows. */
function setup(options: { refuseIndex?: Error; refuseBroker?: Error; config?: Partial<RecordDeadLettersConfig> } = {}) {
  const calls: Call[] = [];
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const memory = createMemoryDeadLetterStore();
  const store: DeadLetterStore = {
    ...memory,
    add: async (entry) => {
      calls.push({ kind: 'index', entry });
      if (options.refuseIndex) throw options.refuseIndex;
      await memory.add(entry);
    },
  };
  const outbound = encodeStructured(poison);
  const inner = createDelivery(
    { body: outbound.body, headers: outbound.headers, key: 'o-A' },
    { gateway: 'redis', channel: 'orders', coordinates: { stream: 'orders', id: '17-0' }, attempt: 1, receivedAt: clock.now() - 5_000 },
    {
      ack: async () => void calls.push({ kind: 'ack' }),
      retry: async (delayMs) => void calls.push({ kind: 'retry', delayMs }),
      deadLetter: async (r) => {
        calls.push({ kind: 'deadLetter', reason: r });
        if (options.refuseBroker) throw options.refuseBroker;
      },
    },
  );
  let ids = 0;
  const delivery = recordingDelivery(inner, {
    store,
    identify: identifyEvent({ defaultCurrency: 'EUR' }),
    contextFor: async ({ key }) => ({ snapshot: { orderId: key, status: 'pending', version: 3 }, history: [{ eventId: 'evt-created', type: 'order.created' }] }),
    clock,
    newId: () => `dl-${++ids}`,
    ...options.config,
  });
  return { delivery, inner, calls, memory, clock };
}

describe('dead-letter recording - index first, then the broker', () => {
  it('writes the index entry before the broker parks the message, and the broker copy names the entry', async () => {
    const { delivery, calls, memory, clock } = setup();
    await delivery.deadLetter(reason);
    expect(calls.map((c) => c.kind)).toEqual(['index', 'deadLetter']);
    const entry = await memory.get('dl-1');
    expect(entry).toMatchObject({
      id: 'dl-1',
      reason: 'max-attempts',
      message: 'gave up after 5 attempts',
      error: 'Error: boom',
      attempts: 5,
      eventId: 'evt-poison',
      eventType: 'payment.completed',
      orderKey: 'o-A',
      correlationId: poison.correlationId,
      lastFailedAt: new Date(clock.now()).toISOString(),
      firstFailedAt: new Date(clock.now() - 5_000).toISOString(), // no failure times given: when it arrived
      origin: { gateway: 'redis', channel: 'orders', coordinates: { stream: 'orders', id: '17-0' }, attempt: 1 },
      context: { snapshot: { orderId: 'o-A', status: 'pending', version: 3 }, history: [{ eventId: 'evt-created', type: 'order.created' }] },
    });
    expect(Buffer.from(entry!.original.body, 'base64')).toEqual(Buffer.from(encodeStructured(poison).body));
    expect(entry!.original.headers).toEqual(encodeStructured(poison).headers);
    const parked = calls[1] as Extract<Call, { kind: 'deadLetter' }>;
    expect(parked.reason).toMatchObject({ ...reason, indexId: 'dl-1', eventId: 'evt-poison', correlationId: poison.correlationId, firstFailedAt: clock.now() - 5_000 });
    expect(delivery.settled).toBe(true);
  });

  it('a failing index write: nothing is parked, DeadLetterIndexError with the cause, and settle hands the delivery back (retry)', async () => {
    const down = new Error('index down');
    const { delivery, calls } = setup({ refuseIndex: down });
    const error = await delivery.deadLetter(reason).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterIndexError);
    expect((error as DeadLetterIndexError).cause).toBe(down);
    expect(calls.map((c) => c.kind)).toEqual(['index']);
    expect(delivery.settled).toBe(false);

    const again = setup({ refuseIndex: down });
    const record = await settle(again.delivery, { ok: false, error: new Error('boom'), attempts: 5, permanent: false }, { redeliverDelayMs: 250 });
    expect(record.refused).toMatchObject({ kind: 'deadLetter' });
    expect(record.settlement).toEqual({ kind: 'retry', delayMs: 250 });
    expect(again.calls.map((c) => c.kind)).toEqual(['index', 'retry']);
  });

  it('a dead letter the broker refuses is taken out of the index again, and the delivery can be handed back', async () => {
    const { delivery, calls, memory } = setup({ refuseBroker: new Error('dlq unreachable') });
    await expect(delivery.deadLetter(reason)).rejects.toThrow('dlq unreachable');
    expect(await memory.size()).toBe(0);
    await delivery.retry(1000);
    expect(calls.map((c) => c.kind)).toEqual(['index', 'deadLetter', 'retry']);
  });

  it('a failing context lookup does not stop the dead letter: the entry says why it has no context', async () => {
    const { delivery, memory } = setup({ config: { contextFor: () => Promise.reject(new Error('store down')) } });
    await delivery.deadLetter(reason);
    const entry = await memory.get('dl-1');
    expect(entry?.context).toBeUndefined();
    expect(entry?.contextError).toBe('Error: store down');
  });

  it('settling stays exclusive while the index is written: ack, retry and a second deadLetter are refused', async () => {
    const slow = deferred<void>();
    const { delivery, calls } = setup({ config: { contextFor: async () => (await slow.promise, undefined) } });
    const parking = delivery.deadLetter(reason);
    await flush();
    expect(delivery.settled).toBe(true);
    await expect(delivery.ack()).rejects.toBeInstanceOf(SettlementError);
    await expect(delivery.retry(0)).rejects.toBeInstanceOf(SettlementError);
    await expect(delivery.deadLetter(reason)).rejects.toBeInstanceOf(SettlementError);
    slow.resolve();
    await parking;
    await expect(delivery.ack()).rejects.toBeInstanceOf(SettlementError);
    expect(calls.map((c) => c.kind)).toEqual(['index', 'deadLetter']);
  });

  it('a message that is no event is indexed without event fields or context', async () => {
    const { memory } = setup();
    const bad = createDelivery(
      { body: new TextEncoder().encode('not json'), headers: {} },
      { gateway: 'memory', channel: 'orders', coordinates: { offset: '3' }, attempt: 1, receivedAt: 0 },
      { ack: async () => undefined, retry: async () => undefined, deadLetter: async () => undefined },
    );
    let contextAsked = false;
    const wrapped = recordingDelivery(bad, {
      store: memory,
      identify: identifyEvent({ defaultCurrency: 'EUR' }),
      contextFor: async () => ((contextAsked = true), undefined),
      newId: () => 'dl-bad',
    });
    await wrapped.deadLetter({ code: 'decode', message: 'not JSON', attempts: 1 });
    const entry = await memory.get('dl-bad');
    expect(entry).toMatchObject({ reason: 'decode', origin: { coordinates: { offset: '3' } } });
    expect(entry).not.toHaveProperty('eventId');
    expect(entry).not.toHaveProperty('context');
    expect(contextAsked).toBe(false);
  });
});

describe('dead-letter recording - first failure time', () => {
  it('the handler wrapper notes the first failure of an event; the dead letter carries it and forgets it', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
    const times = new FailureTimes({ clock });
    const failing = times.observe(async () => {
      throw new Error('store down');
    });
    const firstAt = clock.now();
    await expect(failing(poison, 1)).rejects.toThrow();
    clock.advance(3_000);
    await expect(failing(poison, 2)).rejects.toThrow();
    clock.advance(3_000);
    const { delivery, memory } = setup({ config: { failureTimes: times, clock } });
    await delivery.deadLetter(reason);
    expect(await memory.get('dl-1')).toMatchObject({ firstFailedAt: new Date(firstAt).toISOString(), lastFailedAt: new Date(clock.now()).toISOString() });
    expect(times.size).toBe(0);
  });

  it('forgets an event that succeeded, and never holds more than maxTracked', async () => {
    const times = new FailureTimes({ maxTracked: 2 });
    let fail = true;
    const handler = times.observe(async () => {
      if (fail) throw new Error('x');
      return 'ok';
    });
    await handler(poison, 1).catch(() => undefined);
    fail = false;
    await handler(poison, 2);
    expect(times.take(poison.id)).toBeUndefined();
    for (const id of ['a', 'b', 'c']) times.noteFailure(id);
    expect(times.size).toBe(2);
    expect(times.take('a')).toBeUndefined();
    expect(() => new FailureTimes({ maxTracked: 0 })).toThrow(/maxTracked/);
  });
});
