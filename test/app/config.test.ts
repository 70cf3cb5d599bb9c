import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settings } from '../../src/app/config.js';

describe('config - loading', () => {
  it('gives every setting its default on an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.ORDERLY_SOURCES).toEqual(['memory']);
    expect(config.ORDERLY_PUBLISH_TO).toBeUndefined();
    expect(config.ORDERLY_CREDIT).toBe(256);
  });

  it.each([
    ['PORT', 'abc', /PORT="abc": must be a number/],
    ['PORT', '70000', /PORT="70000": must be at most 65535/],
    ['ORDERLY_CREDIT', '0', /ORDERLY_CREDIT="0": must be at least 1/],
    ['ORDERLY_DEFAULT_CURRENCY', 'XYZ', /ORDERLY_DEFAULT_CURRENCY="XYZ": must be an ISO 4217 currency code/],
    ['ORDERLY_SOURCES', 'kafka,carrier-pigeon', /ORDERLY_SOURCES="kafka,carrier-pigeon": must each be one of memory, kafka, rabbitmq, nats, nats-core, redis, redis-list/],
  ])('stops the start on a bad %s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x', ORDERLY_CREDIT: '-1' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.split('=')[0])).toEqual(['PORT', 'ORDERLY_CREDIT']);
  });

  it('refuses settings that contradict each other', () => {
    expect(() => loadConfig({ ORDERLY_SOURCES: 'kafka', ORDERLY_PUBLISH_TO: 'nats' })).toThrow(/ORDERLY_PUBLISH_TO \(nats\) must be one of ORDERLY_SOURCES/);
    expect(() => loadConfig({ ORDERLY_RETRY_BASE_MS: '500', ORDERLY_RETRY_MAX_MS: '100' })).toThrow(/ORDERLY_RETRY_BASE_MS \(500\) must not exceed/);
    expect(() => loadConfig({ ORDERLY_CREDIT: '50', ORDERLY_MAX_LIVE_ORDERS: '10' })).toThrow(/ORDERLY_CREDIT \(50\) must not exceed ORDERLY_MAX_LIVE_ORDERS/);
  });
});

describe('config - README', () => {
  it('documents every setting with its real default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, setting] of Object.entries(settings)) {
      const shown = setting.default === '' ? '(unset)' : `\`${setting.default}\``;
      expect(readme, name).toContain(`| \`${name}\` | ${shown} | ${setting.doc} |`);
    }
  });
});
