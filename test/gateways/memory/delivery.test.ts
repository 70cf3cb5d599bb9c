import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import { FakeClock } from '../../support/fakeClock.js';
import { outbound, publishAll, record, text } from './harness.js';

describe('memory broker - delivery', () => {
  const brokers: MemoryBroker[] = [];
  const open = (clock = new FakeClock()) => {
    const broker = createMemoryBroker({ clock });
    brokers.push(broker);
    return broker;
  };
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  it('delivers a message to its one group with the message and its origin', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker);
    await broker.publish('orders', outbound('hello', { 'Content-Type': 'application/json', 'X-Id': '1' }, 'order-7'));

    expect(consumer.deliveries).toHaveLength(1);
    const [delivery] = consumer.deliveries;
    expect(text(delivery!)).toBe('hello');
    expect(delivery!.message.headers).toEqual({ 'content-type': 'application/json', 'x-id': '1' });
    expect(delivery!.message.key).toBe('order-7');
    expect(delivery!.origin).toEqual({
      gateway: 'memory',
      channel: 'orders',
      coordinates: { offset: '0' },
      attempt: 1,
      receivedAt: clock.now(),
    });
    expect(delivery!.settled).toBe(false);
  });

  it('gives every consumer group every message', async () => {
    const broker = open();
    const billing = record(broker, { group: 'billing' });
    const shipping = record(broker, { group: 'shipping' });
    await publishAll(broker, 'orders', ['a', 'b', 'c']);

    expect(billing.deliveries.map(text)).toEqual(['a', 'b', 'c']);
    expect(shipping.deliveries.map(text)).toEqual(['a', 'b', 'c']);
    expect(broker.depth('orders', 'billing')).toBe(3);
    await billing.deliveries[0]!.ack();
    expect(broker.depth('orders', 'billing')).toBe(2);
    expect(broker.depth('orders', 'shipping')).toBe(3); // each group acks for itself
  });

  it('shares one group’s messages between competing consumers, each message to one of them', async () => {
    const broker = open();
    const first = record(broker, { credit: 100 });
    const second = record(broker, { credit: 100 });
    const bodies = Array.from({ length: 10 }, (_, i) => `m${i}`);
    await publishAll(broker, 'orders', bodies);

    const seen = [...first.deliveries, ...second.deliveries].map(text).sort();
    expect(seen).toEqual([...bodies].sort());
    expect(first.deliveries.length).toBe(5); // round-robin while both have credit
    expect(second.deliveries.length).toBe(5);
  });

  it('keeps messages published before any group subscribes and hands them to the first group', async () => {
    const broker = open();
    await publishAll(broker, 'orders', ['early-1', 'early-2']);
    expect(broker.depth('orders', 'g')).toBe(2);

    const first = record(broker, { group: 'g' });
    await broker.publish('orders', outbound('late'));
    const second = record(broker, { group: 'later' });
    await broker.publish('orders', outbound('latest'));

    expect(first.deliveries.map(text)).toEqual(['early-1', 'early-2', 'late', 'latest']);
    expect(second.deliveries.map(text)).toEqual(['latest']); // a new group starts at the next publish
  });

  it('delivers in publish order within a group, with increasing per-channel offsets', async () => {
    const broker = open();
    const consumer = record(broker, { credit: 1 });
    await publishAll(broker, 'orders', ['1', '2', '3', '4', '5']);
    await broker.publish('other', outbound('x'));

    const order: string[] = [];
    while (consumer.deliveries.length > order.length) {
      const delivery = consumer.deliveries[order.length]!;
      order.push(`${text(delivery)}@${delivery.origin.coordinates['offset']}`);
      await delivery.ack();
    }
    expect(order).toEqual(['1@0', '2@1', '3@2', '4@3', '5@4']);
  });

  it('owns its copy of the body: the publisher may reuse its buffer', async () => {
    const broker = open();
    const message = outbound('abc');
    await broker.publish('orders', message);
    (message.body as Uint8Array).fill(0);
    const consumer = record(broker);
    expect(text(consumer.deliveries[0]!)).toBe('abc');
  });
});
