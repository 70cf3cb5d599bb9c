import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/domain/clock.js';
import { createMemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import {
  InvalidConsumeOptionsError,
  InvalidMemoryBrokerOptionsError,
  InvalidPublishError,
} from '../../../src/gateways/memory/memoryBrokerErrors.js';
import type { MemoryBrokerOptions } from '../../../src/gateways/memory/memoryBrokerOptions.js';
import type { ConsumeOptions, OutboundMessage } from '../../../src/streams/source.js';
import { FakeClock } from '../../support/fakeClock.js';
import { outbound, record } from './harness.js';

const invalidBrokerOptions: [string, unknown][] = [
  ['a zero depth', { maxChannelDepth: 0 }],
  ['a fractional depth', { maxChannelDepth: 1.5 }],
  ['a non-numeric bound', { maxChannels: '10' }],
  ['a negative bound', { maxGroupsPerChannel: -1 }],
  ['an infinite bound', { maxConsumersPerGroup: Infinity }],
  ['an empty dead-letter suffix', { deadLetterSuffix: '' }],
  ['an incomplete clock', { clock: { now: () => 0 } }],
  ['a misspelt option', { maxChanelDepth: 10 }],
  ['null', null],
];

const invalidConsumeOptions: [string, unknown][] = [
  ['zero credit', { channels: ['orders'], group: 'g', credit: 0 }],
  ['fractional credit', { channels: ['orders'], group: 'g', credit: 2.5 }],
  ['NaN credit', { channels: ['orders'], group: 'g', credit: Number.NaN }],
  ['no channels', { channels: [], group: 'g', credit: 1 }],
  ['an empty channel name', { channels: ['orders', ''], group: 'g', credit: 1 }],
  ['the same channel twice', { channels: ['orders', 'orders'], group: 'g', credit: 1 }],
  ['an empty group', { channels: ['orders'], group: '', credit: 1 }],
];

describe('memory broker - options', () => {
  it.each(invalidBrokerOptions)('refuses %s with InvalidMemoryBrokerOptionsError', (_, options) => {
    expect(() => createMemoryBroker(options as MemoryBrokerOptions)).toThrow(InvalidMemoryBrokerOptionsError);
  });

  it('reports every problem at once', () => {
    const attempt = () => createMemoryBroker({ maxChannelDepth: 0, deadLetterSuffix: '' });
    expect(attempt).toThrow(expect.objectContaining({ problems: [expect.stringContaining('maxChannelDepth'), expect.stringContaining('deadLetterSuffix')] }));
  });

  it('accepts valid options', async () => {
    const clock: Clock = new FakeClock();
    const broker = createMemoryBroker({ maxChannelDepth: 1, deadLetterSuffix: '.parked', clock, maxChannels: 1, maxGroupsPerChannel: 1, maxConsumersPerGroup: 1 });
    await broker.close();
  });

  it.each(invalidConsumeOptions)('consume errors the Observable with InvalidConsumeOptionsError on %s, joining nothing', async (_, options) => {
    const broker = createMemoryBroker({ clock: new FakeClock() });
    const consumer = record(broker, options as Partial<ConsumeOptions>);
    expect(consumer.ended.error).toBeInstanceOf(InvalidConsumeOptionsError);
    await broker.publish('orders', outbound('a'));
    expect(broker.depth('orders', 'g')).toBe(1); // still the backlog: no group was created
    expect(broker.inFlight('orders', 'g')).toBe(0);
    await broker.close();
  });

  it.each([
    ['an empty channel', '', outbound('a')],
    ['a body that is not bytes', 'orders', { body: 'a', headers: {}, key: 'k' }],
    ['a non-string header', 'orders', { body: new Uint8Array(), headers: { a: 1 }, key: 'k' }],
    ['a missing key', 'orders', { body: new Uint8Array(), headers: {} }],
  ])('publish rejects %s with InvalidPublishError, accepting nothing', async (_, channel, message) => {
    const broker = createMemoryBroker({ clock: new FakeClock() });
    await expect(broker.publish(channel, message as OutboundMessage)).rejects.toBeInstanceOf(InvalidPublishError);
    expect(broker.depth('orders', 'g')).toBe(0);
    await broker.close();
  });
});
