import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';

describe('config - status events', () => {
  it('publishes status events to order.status through a bounded outbox by default on a real broker, not on the embedded one', () => {
    expect(loadConfig({}).ORDERLY_STATUS_EVENTS).toBe(false);
    expect(loadConfig({ ORDERLY_SOURCES: 'memory', ORDERLY_STATUS_EVENTS: 'true' }).ORDERLY_STATUS_EVENTS).toBe(true);
    expect(loadConfig({ ORDERLY_SOURCES: 'memory,redis', ORDERLY_PUBLISH_TO: 'redis' }).ORDERLY_STATUS_EVENTS).toBe(true);
    const config = loadConfig({ ORDERLY_SOURCES: 'kafka' });
    expect(config).toMatchObject({
      ORDERLY_STATUS_EVENTS: true,
      ORDERLY_STATUS_CHANNEL: 'order.status',
      ORDERLY_OUTBOX_BATCH: 1000,
      ORDERLY_OUTBOX_POLL_MS: 1000,
      ORDERLY_OUTBOX_MAX_PENDING: 100_000,
    });
    expect(loadConfig({ ORDERLY_STATUS_EVENTS: 'false' }).ORDERLY_STATUS_EVENTS).toBe(false);
  });

  it.each([
    ['ORDERLY_STATUS_EVENTS', 'yes', /ORDERLY_STATUS_EVENTS="yes": must be auto, true or false/],
    ['ORDERLY_STATUS_CHANNEL', 'order status', /ORDERLY_STATUS_CHANNEL="order status": must be letters, digits/],
    ['ORDERLY_OUTBOX_BATCH', '0', /ORDERLY_OUTBOX_BATCH="0": must be at least 1/],
    ['ORDERLY_OUTBOX_POLL_MS', '5', /ORDERLY_OUTBOX_POLL_MS="5": must be at least 10/],
    ['ORDERLY_OUTBOX_MAX_PENDING', '0', /ORDERLY_OUTBOX_MAX_PENDING="0": must be at least 1/],
  ])('refuses a bad %s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('refuses a status channel Orderly consumes, unless status events are off', () => {
    expect(() => loadConfig({ ORDERLY_SOURCES: 'redis', ORDERLY_STATUS_CHANNEL: 'orders' })).toThrow(/ORDERLY_STATUS_CHANNEL \(orders\) must not be one of ORDERLY_CHANNELS/);
    expect(loadConfig({ ORDERLY_STATUS_CHANNEL: 'orders', ORDERLY_STATUS_EVENTS: 'false' }).ORDERLY_STATUS_EVENTS).toBe(false);
  });
});
