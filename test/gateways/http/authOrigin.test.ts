import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpAuth, createOriginPolicy, normaliseOrigin } from '../../../src/gateways/http/auth/index.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { TEST_JWT_SECRET } from '../../support/auth.js';

describe('auth origin - the default: only the server itself', () => {
  const allowed = createOriginPolicy([]);

  it('lets a request without Origin through: not a browser, the token decides', () => {
    expect(allowed(undefined, 'orderly.example:3000')).toBe(true);
  });

  it('lets the page Orderly serves through: Origin names the Host it came to', () => {
    expect(allowed('http://127.0.0.1:3000', '127.0.0.1:3000')).toBe(true);
    expect(allowed('https://Orderly.Example', 'orderly.example')).toBe(true);
    expect(allowed('http://localhost', 'localhost:80')).toBe(true);
  });

  it('refuses every other page, and the opaque "null" origin', () => {
    expect(allowed('https://evil.example', 'orderly.example')).toBe(false);
    expect(allowed('http://127.0.0.1:3001', '127.0.0.1:3000')).toBe(false);
    expect(allowed('https://orderly.example.evil.example', 'orderly.example')).toBe(false);
    expect(allowed('null', 'orderly.example')).toBe(false);
    expect(allowed('https://evil.example', undefined)).toBe(false);
  });
});

describe('auth origin - ORDERLY_ALLOWED_ORIGINS', () => {
  const allowed = createOriginPolicy(['https://shop.example', 'http://localhost:5173/']);

  it('lets listed origins through, whatever the Host', () => {
    expect(allowed('https://shop.example', 'api.example')).toBe(true);
    expect(allowed('http://localhost:5173', 'api.example')).toBe(true);
  });

  it('still refuses unlisted ones, including a listed host on another scheme or port', () => {
    expect(allowed('http://shop.example', 'api.example')).toBe(false);
    expect(allowed('https://shop.example:8443', 'api.example')).toBe(false);
    expect(allowed('https://evil.example', 'api.example')).toBe(false);
  });

  it('reads Origin and Host off a raw upgrade request', () => {
    const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: ['https://shop.example'] }, { dedup: createMemoryDedupStore() });
    const upgrade = (headers: Record<string, string>) => ({ url: '/ws', headers }) as unknown as IncomingMessage;
    expect(auth.originAllowedRequest(upgrade({ origin: 'https://shop.example', host: 'api.example' }))).toBe(true);
    expect(auth.originAllowedRequest(upgrade({ origin: 'https://evil.example', host: 'api.example' }))).toBe(false);
    expect(auth.originAllowedRequest(upgrade({ host: 'api.example' }))).toBe(true);
  });
});

describe('auth origin - what counts as an origin in the setting', () => {
  it.each([['https://shop.example', 'https://shop.example'], ['HTTP://Shop.Example:80/', 'http://shop.example'], ['http://[::1]:3000', 'http://[::1]:3000']])('%s is %s', (text, origin) => {
    expect(normaliseOrigin(text)).toBe(origin);
  });

  it.each([['shop.example'], ['https://shop.example/app'], ['https://u:p@shop.example'], ['https://shop.example?x=1'], ['ftp://shop.example'], ['null'], ['*']])('%s is not one', (text) => {
    expect(normaliseOrigin(text)).toBeUndefined();
  });
});
