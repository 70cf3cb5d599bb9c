import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';

describe('shutdown - drain', () => {
  it('turns unready at once, stops taking requests, and finishes in-flight work before it resolves', async () => {
    const orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    const body = { orderId: 'sd-1', userId: 'u', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, currency: 'EUR' };
    const accepted = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u')) }, body: JSON.stringify(body) });
    expect(accepted.status).toBe(202);

    const stopping = orderly.stop();
    expect(orderly.readiness()).toMatchObject({ ready: false, checks: { draining: { ok: false } } });
    await stopping;
    await expect(fetch(`${orderly.url}/healthz`)).rejects.toThrow();
    // The order accepted before the stop was applied, not dropped.
    expect((await orderly.pipeline.store.load('sd-1'))?.status).toBe('pending');
    expect(orderly.pipeline.consuming).toBe(false);
  });
});
