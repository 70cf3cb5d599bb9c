import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';
import { createOrderly } from '../../../src/app/createOrderly.js';
import { testAuthEnv } from '../../support/auth.js';

describe('http auth - logs', () => {
  it('masks a ticket in the logged request URL and keeps the rest of it', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const orderly = await createOrderly(loadConfig({ PORT: '0', ...testAuthEnv }), { logger: pino({ level: 'info' }, sink) });
    try {
      await fetch(`${orderly.url}/healthz?topic=user:alice&ticket=eyJsecret.part.here&x=1`);
    } finally {
      await orderly.stop();
    }
    const logged = lines.filter((line) => line.includes('/healthz'));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      expect(line).not.toContain('eyJsecret');
      expect(line).toContain('/healthz?topic=user:alice&ticket=***&x=1');
    }
  });
});
