import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { sanitizeForInspection } from '../../src/gateways/inspect/sanitizeForInspection.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { until } from '../support/realtimeClient.js';

let orderly: Orderly | undefined;
let viewer: WebSocket | undefined;
afterEach(async () => {
  viewer?.terminate();
  await orderly?.stop();
  orderly = undefined;
});

interface Inspected {
  type: string;
  name?: string;
  sessionId?: string;
  snapshot?: { context?: unknown };
  event?: unknown;
}

describe('inspector - ORDERLY_INSPECT', () => {
  it('is off by default', async () => {
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    expect(orderly.inspectorUrl).toBeUndefined();
  });

  it('sends every actor of the tree and every order actor to a bridge on 127.0.0.1, sanitised', async () => {
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ORDERLY_INSPECT: '1', ORDERLY_INSPECT_PORT: '0', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    const url = new URL(orderly.inspectorUrl!);
    expect(url.hostname).toBe('127.0.0.1');
    // The page a developer opens embeds the Stately inspector.
    expect(await (await fetch(url)).text()).toContain('stately.ai/inspect');

    // A viewer, as that page is: it gets what was held before it came, and what follows.
    const seen: Inspected[] = [];
    const raw: string[] = [];
    viewer = new WebSocket(`ws://${url.host}`);
    viewer.on('message', (data) => {
      raw.push(data.toString());
      seen.push(JSON.parse(data.toString()) as Inspected);
    });
    const token = await bearer('u-insp');
    const created = await fetch(`${orderly.url}/orders`, {
      method: 'POST',
      headers: { ...token, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-insp', items: [{ productId: 'p-insp', quantity: 2, priceCents: 350 }], totalCents: 700, currency: 'EUR' }),
    });
    const { orderId } = (await created.json()) as { orderId: string };
    await until(() => seen.some((e) => e.type === '@xstate.actor' && e.name === `order:${orderId}`), () => `the order actor to be inspected (${seen.length} events so far)`);
    const names = new Set(seen.filter((e) => e.type === '@xstate.actor').map((e) => e.name));
    expect([...names].filter((n) => !n?.startsWith('order:')).sort()).toEqual(['0.hub.running', 'gateways#1', 'hub#1', 'jobs#1', 'memory#1', 'pool#1', 'registry#1', 'root']); // 0.hub.running: the hub's bus listener
    // The order actor's snapshots arrive too, ids and numbers shown.
    await until(() => seen.some((e) => e.type === '@xstate.snapshot' && JSON.stringify(e.snapshot).includes('p-insp')), () => 'the order snapshot');
    expect(raw.join('\n')).not.toContain(token.authorization.slice('Bearer '.length));
  });

  it('shows ids, states and numbers, hides other strings, drops credentials, summarises live objects', () => {
    class Session {}
    expect(
      sanitizeForInspection({
        orderId: 'o-1',
        status: 'paid',
        totalCents: 700,
        note: 'deliver to 5 Main St',
        email: 'a@example.com',
        token: 'secret-token',
        session: new Session(),
        sessions: new Map([[1, 2]]),
        send: () => undefined,
        items: [{ productId: 'p-1', name: 'Red shoes' }],
      }),
    ).toEqual({ orderId: 'o-1', status: 'paid', totalCents: 700, note: '[hidden]', email: '[hidden]', session: '[Session]', sessions: { size: 1 }, items: [{ productId: 'p-1', name: '[hidden]' }] });
  });
});
