import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';

let orderly: Orderly | undefined;
afterEach(async () => {
  await orderly?.stop();
  orderly = undefined;
});

/** The value of one series in the exposition text, or undefined. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /metrics on a running Orderly', () => {
  it('counts what the pipeline, the actors, the supervisors and the hub did, with Node’s own metrics', async () => {
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    const order = { userId: 'u-metrics', items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' };
    const created = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { ...(await bearer('u-metrics')), 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(created.status).toBe(202);
    // Bytes that are no event at all: dead-lettered while decoding, and counted as such.
    await orderly.pipeline.publisher.publish('orders', { key: 'o-bad', body: new TextEncoder().encode('not json'), headers: {} });

    const acked = 'orderly_deliveries_acked_total{source="memory",channel="orders"}';
    const dead = 'orderly_deliveries_dead_lettered_total{source="memory",channel="orders",reason="decode"}';
    let text = '';
    // Scrape until both settlements are counted (the broker settles after the answer), at most ~5 s.
    for (let i = 0; i < 250 && !(series(text, acked) === 1 && series(text, dead) === 1); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      const answer = await fetch(`${orderly.url}/metrics`);
      expect(answer.headers.get('content-type')).toContain('text/plain');
      text = await answer.text();
    }
    expect(series(text, 'orderly_deliveries_received_total{source="memory",channel="orders"}')).toBe(2);
    expect(series(text, acked)).toBe(1);
    expect(series(text, dead)).toBe(1);
    expect(series(text, 'orderly_deliveries_in_flight{source="memory",channel="orders"}')).toBe(0);
    expect(series(text, 'orderly_order_actors')).toBe(1);
    expect(series(text, 'orderly_hub_sessions')).toBe(0);
    expect(text).toContain('orderly_delivery_processing_seconds_bucket{');
    expect(text).toContain('orderly_supervisor_restarts_total');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
