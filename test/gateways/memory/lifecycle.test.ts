import { take } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import { BrokerClosedError, BrokerFullError, DeliveryRevokedError } from '../../../src/gateways/memory/memoryBrokerErrors.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { FakeClock } from '../../support/fakeClock.js';
import { outbound, publishAll, record, text } from './harness.js';

const attempts = (deliveries: readonly Delivery[]) => deliveries.map((d) => `${text(d)}#${d.origin.attempt}`);

describe('memory broker - lifecycle', () => {
  const brokers: MemoryBroker[] = [];
  const open = (clock = new FakeClock(), options: Parameters<typeof createMemoryBroker>[0] = {}) => {
    const broker = createMemoryBroker({ clock, ...options });
    brokers.push(broker);
    return broker;
  };
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  it('unsubscribing returns unsettled deliveries to the head of the queue, in order, for the next subscriber (attempt 2)', async () => {
    const broker = open();
    const first = record(broker, { credit: 3 });
    await publishAll(broker, 'orders', ['a', 'b', 'c', 'd', 'e']);
    await first.deliveries[1]!.ack(); // b done; held: a, c, d; waiting: e
    expect(first.unsettled()).toEqual(['a', 'c', 'd']);

    first.subscription.unsubscribe();
    expect(broker.inFlight('orders', 'g')).toBe(0);
    expect(broker.depth('orders', 'g')).toBe(4);

    const next = record(broker, { credit: 10 });
    expect(attempts(next.deliveries)).toEqual(['a#2', 'c#2', 'd#2', 'e#1']);
  });

  it('hands a leaving member’s deliveries to the other members of its group at once', async () => {
    const broker = open();
    const leaving = record(broker, { credit: 1 });
    const staying = record(broker, { credit: 5 });
    await publishAll(broker, 'orders', ['a', 'b']);
    expect(leaving.deliveries.map(text)).toEqual(['a']);

    leaving.subscription.unsubscribe();
    expect(attempts(staying.deliveries)).toEqual(['b#1', 'a#2']);
  });

  it('a settlement after the delivery was taken back rejects with DeliveryRevokedError and changes nothing', async () => {
    const broker = open();
    const first = record(broker);
    await publishAll(broker, 'orders', ['a']);
    const stale = first.deliveries[0]!;
    first.subscription.unsubscribe();
    const next = record(broker);

    await expect(stale.ack()).rejects.toBeInstanceOf(DeliveryRevokedError);
    await expect(stale.ack()).rejects.toMatchObject({ name: 'SettlementError' }); // still settled once, as createDelivery rules
    expect(broker.depth('orders', 'g')).toBe(1);
    expect(broker.inFlight('orders', 'g')).toBe(1); // the redelivery is intact
    await next.deliveries[0]!.ack();
    expect(broker.depth('orders', 'g')).toBe(0);
  });

  it('a subscriber that stops inside next (take(1)) gives back what it held, and the rest stays queued', async () => {
    const broker = open();
    await publishAll(broker, 'orders', ['a', 'b']);
    const seen: Delivery[] = [];
    const subscription = broker
      .consume({ channels: ['orders'], group: 'g', credit: 2 })
      .pipe(take(1))
      .subscribe((delivery) => seen.push(delivery));

    expect(subscription.closed).toBe(true);
    expect(attempts(seen)).toEqual(['a#1']);
    expect(broker.inFlight('orders', 'g')).toBe(0);
    expect(attempts(record(broker).deliveries)).toEqual(['a#2', 'b#1']);
  });

  it('publish rejects with BrokerFullError at maxChannelDepth for any group, accepting nothing', async () => {
    const broker = open(new FakeClock(), { maxChannelDepth: 2 });
    const fast = record(broker, { group: 'fast' }, (delivery) => void delivery.ack());
    const slow = record(broker, { group: 'slow', credit: 1 });
    await publishAll(broker, 'orders', ['a', 'b']);

    await expect(broker.publish('orders', outbound('c'))).rejects.toMatchObject({
      name: 'BrokerFullError',
      limit: 'maxChannelDepth',
      bound: 2,
      channel: 'orders',
      group: 'slow',
    });
    expect(fast.deliveries.map(text)).toEqual(['a', 'b']); // not half-published to the group with room
    await slow.deliveries[0]!.ack();
    await broker.publish('orders', outbound('c'));
    expect(fast.deliveries.map(text)).toEqual(['a', 'b', 'c']);
  });

  it('bounds the backlog kept before any group subscribes', async () => {
    const broker = open(new FakeClock(), { maxChannelDepth: 1 });
    await broker.publish('orders', outbound('a'));
    await expect(broker.publish('orders', outbound('b'))).rejects.toBeInstanceOf(BrokerFullError);
  });

  it('bounds channels, groups per channel and consumers per group', async () => {
    const broker = open(new FakeClock(), { maxChannels: 1, maxGroupsPerChannel: 1, maxConsumersPerGroup: 1 });
    record(broker, { channels: ['orders'], group: 'g' });
    await expect(broker.publish('other', outbound('x'))).rejects.toMatchObject({ limit: 'maxChannels' });
    expect(record(broker, { group: 'h' }).ended.error).toMatchObject({ name: 'BrokerFullError', limit: 'maxGroupsPerChannel' });
    expect(record(broker, { group: 'g' }).ended.error).toMatchObject({ name: 'BrokerFullError', limit: 'maxConsumersPerGroup' });
  });

  it('close completes every consumer, takes back deliveries and pending retries, and is idempotent', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker, { credit: 2 });
    await publishAll(broker, 'orders', ['a', 'b', 'c']);
    const [a, b] = consumer.deliveries;
    await a!.retry(60_000);
    expect(clock.pending).toBe(1);

    const closing = broker.close();
    expect(broker.close()).toBe(closing);
    await closing;
    await broker[Symbol.asyncDispose]();

    expect(consumer.ended.completed).toBe(true);
    expect(clock.pending).toBe(0); // no timer outlives the broker
    expect(broker.depth('orders', 'g')).toBe(3); // nothing lost: a (retry), b, c (in flight) all back in the queue
    expect(broker.inFlight('orders', 'g')).toBe(0);
    await expect(b!.ack()).rejects.toBeInstanceOf(DeliveryRevokedError);
    await expect(broker.publish('orders', outbound('d'))).rejects.toBeInstanceOf(BrokerClosedError);
    expect(record(broker).ended.error).toBeInstanceOf(BrokerClosedError);
  });

  it('supports await using', async () => {
    let consumer: ReturnType<typeof record> | undefined;
    {
      await using broker = createMemoryBroker({ clock: new FakeClock() });
      consumer = record(broker);
    }
    expect(consumer.ended.completed).toBe(true);
  });
});
