import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/app/config.js';

describe('auth config - the settings of issue 4', () => {
  it('leaves the secret and the origin list unset by default, with a 30 s ticket', () => {
    const config = loadConfig({});
    expect(config.ORDERLY_JWT_SECRET).toBeUndefined();
    expect(config.ORDERLY_ALLOWED_ORIGINS).toBeUndefined();
    expect(config.ORDERLY_TICKET_TTL_MS).toBe(30_000);
  });

  it('refuses a secret under 32 bytes, naming the variable and never echoing the value', () => {
    const attempt = () => loadConfig({ ORDERLY_JWT_SECRET: 'correct-horse-battery' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('ORDERLY_JWT_SECRET=(hidden): must be at least 32 bytes');
    expect(attempt).not.toThrow(/correct-horse/);
    expect(loadConfig({ ORDERLY_JWT_SECRET: 'x'.repeat(32) }).ORDERLY_JWT_SECRET).toBe('x'.repeat(32));
  });

  it('reads the origin list and refuses anything that is not an origin', () => {
    expect(loadConfig({ ORDERLY_ALLOWED_ORIGINS: 'https://shop.example, http://localhost:5173' }).ORDERLY_ALLOWED_ORIGINS).toEqual([
      'https://shop.example',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ORDERLY_ALLOWED_ORIGINS: 'https://shop.example/app' })).toThrow(/ORDERLY_ALLOWED_ORIGINS="https:\/\/shop.example\/app": must each be an origin/);
  });

  it('bounds the ticket lifetime', () => {
    expect(() => loadConfig({ ORDERLY_TICKET_TTL_MS: '999' })).toThrow(/ORDERLY_TICKET_TTL_MS="999": must be at least 1000/);
  });
});
