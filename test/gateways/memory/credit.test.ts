import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { FakeClock } from '../../support/fakeClock.js';
import { publishAll, record, text } from './harness.js';

describe('memory broker - credit', () => {
  const brokers: MemoryBroker[] = [];
  const open = (options: Parameters<typeof createMemoryBroker>[0] = {}) => {
    const broker = createMemoryBroker({ clock: new FakeClock(), ...options });
    brokers.push(broker);
    return broker;
  };
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  it('stops at credit and emits the next message only when a settlement frees credit', async () => {
    const broker = open();
    const consumer = record(broker, { credit: 2 });
    await publishAll(broker, 'orders', ['a', 'b', 'c', 'd']);

    expect(consumer.deliveries.map(text)).toEqual(['a', 'b']);
    expect(broker.inFlight('orders', 'g')).toBe(2);
    expect(broker.depth('orders', 'g')).toBe(4);

    await consumer.deliveries[1]!.ack();
    expect(consumer.deliveries.map(text)).toEqual(['a', 'b', 'c']);
    expect(consumer.unsettled()).toEqual(['a', 'c']);
  });

  it('shares one credit across all the channels of a subscription, taking turns between them', async () => {
    const broker = open();
    await publishAll(broker, 'x', ['x1', 'x2', 'x3']);
    await publishAll(broker, 'y', ['y1', 'y2', 'y3']);
    const consumer = record(broker, { channels: ['x', 'y'], credit: 2 });

    expect(consumer.deliveries.map(text)).toEqual(['x1', 'y1']);
    await consumer.deliveries[0]!.ack();
    await consumer.deliveries[1]!.ack();
    expect(consumer.deliveries.map(text)).toEqual(['x1', 'y1', 'x2', 'y2']);
  });

  it('settles synchronously inside next without growing the stack (drain loop, not recursion)', async () => {
    const broker = open();
    const count = 20_000;
    await publishAll(broker, 'orders', Array.from({ length: count }, (_, i) => String(i)));
    let maxInFlight = 0;
    const consumer = record(broker, { credit: 1 }, (delivery: Delivery) => {
      maxInFlight = Math.max(maxInFlight, broker.inFlight('orders', 'g'));
      void delivery.ack();
    });

    expect(consumer.deliveries).toHaveLength(count);
    expect(maxInFlight).toBe(1);
    expect(broker.depth('orders', 'g')).toBe(0);
  });
});
