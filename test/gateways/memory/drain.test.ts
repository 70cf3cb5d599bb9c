import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import { FakeClock } from '../../support/fakeClock.js';
import { publishAll, record } from './harness.js';

describe('memory broker - drain', () => {
  const brokers: MemoryBroker[] = [];
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  it('stops handing out deliveries on abort, lets held ones settle, then completes', async () => {
    const broker = createMemoryBroker({ clock: new FakeClock() });
    brokers.push(broker);
    const intake = new AbortController();
    const consumer = record(broker, { credit: 2, signal: intake.signal });
    await publishAll(broker, 'orders', ['a', 'b', 'c']);
    expect(consumer.unsettled()).toEqual(['a', 'b']);

    intake.abort();
    await consumer.deliveries[0]!.ack(); // frees credit, but draining: c must not come
    expect(consumer.deliveries).toHaveLength(2);
    await Promise.resolve();
    expect(consumer.ended.completed).toBe(false); // b still held

    await consumer.deliveries[1]!.ack(); // settling after abort still reaches the broker
    await Promise.resolve();
    expect(consumer.ended.completed).toBe(true);
    expect(broker.depth('orders', 'g')).toBe(1); // c waits for the next consumer, nothing lost
  });

  it('completes at once when aborted with nothing held', async () => {
    const broker = createMemoryBroker({ clock: new FakeClock() });
    brokers.push(broker);
    const intake = new AbortController();
    intake.abort();
    const consumer = record(broker, { signal: intake.signal });
    await publishAll(broker, 'orders', ['a']);
    await Promise.resolve();
    expect(consumer.deliveries).toHaveLength(0);
    expect(consumer.ended.completed).toBe(true);
  });
});
