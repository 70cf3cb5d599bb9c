import { describe, expect, it } from 'vitest';
import { resolveNatsCoreOptions } from '../../../src/gateways/nats/natsCoreOptions.js';
import { InvalidNatsOptionsError } from '../../../src/gateways/nats/natsOptions.js';

describe('natsCoreOptions - defaults and validation', () => {
  it('fills in the documented defaults', () => {
    expect(resolveNatsCoreOptions()).toEqual({
      servers: ['127.0.0.1:4222'],
      maxBuffered: 10_000,
      name: 'orderly',
      connectTimeoutMs: 5000,
      reconnectWaitMs: 2000,
      flushTimeoutMs: 10_000,
      closeTimeoutMs: 5000,
      dropLogIntervalMs: 10_000,
    });
    expect(resolveNatsCoreOptions({ servers: 'nats://a:1', maxBuffered: 0 })).toMatchObject({ servers: ['nats://a:1'], maxBuffered: 0 });
  });

  it.each([
    [{ maxBuffered: -1 }, 'maxBuffered'],
    [{ maxBuffered: 1.5 }, 'maxBuffered'],
    [{ maxBuffered: Number.NaN }, 'maxBuffered'],
    [{ servers: [] }, 'servers'],
    [{ flushTimeoutMs: 0 }, 'flushTimeoutMs'],
    [{ dropLogIntervalMs: -5 }, 'dropLogIntervalMs'],
  ])('rejects %o naming %s', (options, named) => {
    expect(() => resolveNatsCoreOptions(options)).toThrow(InvalidNatsOptionsError);
    expect(() => resolveNatsCoreOptions(options)).toThrow(named);
  });
});
