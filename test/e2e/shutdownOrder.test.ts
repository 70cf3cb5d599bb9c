import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { createMemoryOrderStore } from '../../src/gateways/memory/index.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { connectRealtime, until } from '../support/realtimeClient.js';

/** A store whose writes wait while `held` is true: a drain that cannot finish until the test lets it. */
function holdableStore(): OrderStore & { held: boolean; waiting: number } {
  const inner = createMemoryOrderStore({ maxOrders: 1_000 });
  const gate = { held: false, waiting: 0 };
  return Object.assign(gate, {
    load: (orderId: string) => inner.load(orderId),
    scan: () => inner.scan(),
    async save(...args: Parameters<OrderStore['save']>) {
      gate.waiting++;
      await until(() => !gate.held, () => 'the store to be released', 10_000);
      gate.waiting--;
      return inner.save(...args);
    },
  });
}

const order = (orderId: string, userId: string) => ({ orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' });

let orderly: Orderly | undefined;
afterEach(async () => {
  await orderly?.stop();
  orderly = undefined;
});

describe('shutdown - OTP order', () => {
  it('fails readiness and refuses writes at once, finishes the in-flight order, delivers its change, then closes clients with 1001', async () => {
    const store = holdableStore();
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }), store });
    const url = orderly.url;
    const client = await connectRealtime(`${url.replace(/^http/, 'ws')}/ws`, await bearer('u-sd'));
    client.send({ type: 'subscribe', topic: 'user:u-sd' });
    await client.waitFor((f) => f.type === 'subscribed', 'subscribed');
    // An SSE client too: on shutdown it must get the `retry:` hint before its stream ends.
    const sse = await fetch(`${url}/events/stream?topic=user:u-sd`, { headers: await bearer('u-sd') });
    const reader = sse.body!.getReader();
    let sseText = '';
    const sseDone = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        sseText += new TextDecoder().decode(value);
      }
    })();

    // The order's write is held: the pipeline has it in flight when the stop begins.
    store.held = true;
    const accepted = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u-sd')) }, body: JSON.stringify(order('sd-otp-1', 'u-sd')) });
    expect(accepted.status).toBe(202);
    await until(() => store.waiting === 1, () => 'the order to be in flight');

    const stopping = orderly.stop();
    expect(orderly.readiness()).toMatchObject({ ready: false, checks: { draining: { ok: false } } });
    const refused = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await bearer('u-sd')) }, body: JSON.stringify(order('sd-otp-2', 'u-sd')) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(503);
    // Clients are still connected while work is in flight.
    expect(client.ws.readyState).toBe(client.ws.OPEN);

    store.held = false;
    await stopping;
    const closed = await client.closed;
    expect(closed.code).toBe(1001);
    // The in-flight order was stored and its change reached the client before the close.
    expect((await store.load('sd-otp-1'))?.status).toBe('pending');
    expect(client.events().map((f) => f.event?.snapshot.orderId)).toEqual(['sd-otp-1']);
    expect(await store.load('sd-otp-2')).toBeUndefined();
    await sseDone;
    expect(sseText).toMatch(/sd-otp-1[\s\S]*retry: \d+\n: closed 1001/);
  });
});
