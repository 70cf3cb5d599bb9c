import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import { DeadLetterFailedError, InvalidRetryDelayError } from '../../../src/gateways/memory/memoryBrokerErrors.js';
import { SettlementError, type DeadLetterReason } from '../../../src/streams/delivery.js';
import { FakeClock } from '../../support/fakeClock.js';
import { outbound, publishAll, record, text } from './harness.js';

const reason: DeadLetterReason = { code: 'validation', message: 'total must be positive', error: 'ZodError', attempts: 3 };

describe('memory broker - settlement', () => {
  const brokers: MemoryBroker[] = [];
  const open = (clock = new FakeClock(), options: Parameters<typeof createMemoryBroker>[0] = {}) => {
    const broker = createMemoryBroker({ clock, ...options });
    brokers.push(broker);
    return broker;
  };
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  it('ack forgets the message for its group', async () => {
    const broker = open();
    const consumer = record(broker);
    await publishAll(broker, 'orders', ['a']);
    await consumer.deliveries[0]!.ack();

    expect(broker.depth('orders', 'g')).toBe(0);
    expect(broker.inFlight('orders', 'g')).toBe(0);
    consumer.subscription.unsubscribe();
    record(broker); // a later subscriber gets nothing: the ack was final
    expect(broker.depth('orders', 'g')).toBe(0);
  });

  it('retry redelivers with attempt 2 after the delay, not before, and frees credit meanwhile', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker, { credit: 1 });
    await publishAll(broker, 'orders', ['a', 'b']);

    await consumer.deliveries[0]!.retry(1_000);
    expect(consumer.deliveries.map(text)).toEqual(['a', 'b']); // credit freed at once: b flows
    expect(broker.depth('orders', 'g')).toBe(2); // a is still owed to the group
    await consumer.deliveries[1]!.ack();
    clock.advance(999);
    expect(consumer.deliveries).toHaveLength(2);
    clock.advance(1);

    expect(consumer.deliveries).toHaveLength(3);
    const redelivered = consumer.deliveries[2]!;
    expect(text(redelivered)).toBe('a');
    expect(redelivered.origin.attempt).toBe(2);
    expect(redelivered.origin.coordinates).toEqual({ offset: '0' });
    expect(redelivered.origin.receivedAt).toBe(clock.now());
  });

  it('retry puts the message back at the head of the queue, ahead of messages waiting behind it', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker, { credit: 1 });
    await publishAll(broker, 'orders', ['a', 'b', 'c']);

    await consumer.deliveries[0]!.retry(100); // b flows at once; c waits behind it
    clock.advance(100); // a comes due while b is held: it goes in front of c
    await consumer.deliveries[1]!.ack();
    await consumer.deliveries[2]!.ack();
    expect(consumer.deliveries.map((d) => `${text(d)}#${d.origin.attempt}`)).toEqual(['a#1', 'b#1', 'a#2', 'c#1']);
  });

  it('deadLetter publishes body and original headers plus the reason headers to <channel>.dlq, then forgets the original', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker);
    await broker.publish('orders', outbound('{"bad":true}', { 'X-Correlation-Id': 'c-1' }, 'order-9'));
    await consumer.deliveries[0]!.deadLetter(reason);

    expect(broker.depth('orders', 'g')).toBe(0);
    expect(broker.depth('orders.dlq', 'ops')).toBe(1);
    const parked = record(broker, { channels: ['orders.dlq'], group: 'ops' });
    const dead = parked.deliveries[0]!;
    expect(text(dead)).toBe('{"bad":true}');
    expect(dead.message.key).toBe('order-9');
    expect(dead.message.headers).toEqual({
      'x-correlation-id': 'c-1',
      'x-dead-letter-code': 'validation',
      'x-dead-letter-reason': 'total must be positive',
      'x-dead-letter-error': 'ZodError',
      'x-dead-letter-attempts': '3',
      'x-dead-letter-at': new Date(clock.now()).toISOString(),
      'x-original-gateway': 'memory',
      'x-original-channel': 'orders',
      'x-original-coordinates': '{"offset":"0"}',
    });
    expect(dead.origin.channel).toBe('orders.dlq');
  });

  it('uses the configured dead-letter suffix', async () => {
    const broker = open(new FakeClock(), { deadLetterSuffix: '-parked' });
    const consumer = record(broker);
    await publishAll(broker, 'orders', ['a']);
    await consumer.deliveries[0]!.deadLetter(reason);
    expect(broker.depth('orders-parked', 'any')).toBe(1);
  });

  it('settling twice rejects with SettlementError and the broker sees only the first settlement', async () => {
    const clock = new FakeClock();
    const broker = open(clock);
    const consumer = record(broker);
    await publishAll(broker, 'orders', ['a', 'b']);
    const [a, b] = consumer.deliveries;

    await a!.ack();
    await expect(a!.ack()).rejects.toBeInstanceOf(SettlementError);
    await expect(a!.deadLetter(reason)).rejects.toMatchObject({ name: 'SettlementError', attempted: 'deadLetter', previous: 'ack' });
    expect(broker.depth('orders.dlq', 'ops')).toBe(0); // never parked

    await b!.retry(10);
    await expect(b!.ack()).rejects.toBeInstanceOf(SettlementError);
    expect(broker.depth('orders', 'g')).toBe(1); // the ack did not reach the broker: b is still owed
    clock.advance(10);
    expect(consumer.deliveries.map(text)).toEqual(['a', 'b', 'b']);
  });

  it('retry with an invalid delay rejects with InvalidRetryDelayError and strands nothing', async () => {
    const broker = open();
    const consumer = record(broker, { credit: 1 });
    await publishAll(broker, 'orders', ['a']);
    await expect(consumer.deliveries[0]!.retry(-1)).rejects.toBeInstanceOf(InvalidRetryDelayError);
    expect(consumer.deliveries.map((d) => `${text(d)}#${d.origin.attempt}`)).toEqual(['a#1', 'a#2']);
  });

  it('deadLetter to a full dead-letter channel rejects with DeadLetterFailedError and keeps the original', async () => {
    const broker = open(new FakeClock(), { maxChannelDepth: 1 });
    await broker.publish('orders.dlq', outbound('already parked'));
    const consumer = record(broker, { credit: 1 });
    await publishAll(broker, 'orders', ['a']);

    const failure = consumer.deliveries[0]!.deadLetter(reason);
    await expect(failure).rejects.toBeInstanceOf(DeadLetterFailedError);
    await expect(failure).rejects.toMatchObject({ cause: { name: 'BrokerFullError', limit: 'maxChannelDepth' } });
    expect(consumer.deliveries.map((d) => `${text(d)}#${d.origin.attempt}`)).toEqual(['a#1', 'a#2']);
    expect(broker.depth('orders', 'g')).toBe(1);
    expect(broker.depth('orders.dlq', 'ops')).toBe(1);
  });
});
