import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorNotice } from '../../src/actors/supervision/index.js';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { connectRealtime } from '../support/realtimeClient.js';

let orderly: Orderly | undefined;
afterEach(async () => {
  await orderly?.stop();
  orderly = undefined;
});

const order = (orderId: string, userId: string) => ({ orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' });

describe('Orderly - one supervision tree', () => {
  it('runs the registry, the outbox relay, the hub, the jobs and the gateways under one root, started in that order and stopped in reverse', async () => {
    // Status events on, so that the outbox relay is part of the tree on the embedded broker too.
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ORDERLY_STATUS_EVENTS: 'true', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    const { root } = orderly;
    const notices: SupervisorNotice[] = [];
    root.on('*', (notice) => notices.push(notice as SupervisorNotice));

    const children = root.getSnapshot().context.children;
    expect(children.map((c) => c.id)).toEqual(['registry', 'outbox', 'hub', 'jobs', 'gateways']);
    expect(children.every((c) => c.status === 'running')).toBe(true);
    expect(orderly.readiness().checks.supervision).toEqual({ ok: true });
    // The nested supervisors are the root's children: one child per source; the pool and the paid-order emails under jobs.
    const nested = (id: string) => (root.getSnapshot().children[id] as unknown as { getSnapshot(): { context: { children: Array<{ id: string }> } } }).getSnapshot().context.children.map((c) => c.id);
    expect(nested('gateways')).toEqual(['memory']);
    expect(nested('jobs')).toEqual(['pool', 'paid-emails']); // status events on: emails from order.status

    // The tree works as a whole: an order through HTTP reaches a WebSocket client through the hub.
    const client = await connectRealtime(`${orderly.url.replace(/^http/, 'ws')}/ws`, await bearer('u-root'));
    client.send({ type: 'subscribe', topic: 'user:u-root' });
    await client.waitFor((f) => f.type === 'subscribed', 'subscribed');
    const created = await fetch(`${orderly.url}/orders`, { method: 'POST', headers: { ...(await bearer('u-root')), 'content-type': 'application/json' }, body: JSON.stringify(order('o-root', 'u-root')) });
    expect(created.status).toBe(202);
    await client.waitFor((f) => f.type === 'event', 'the order change');

    await orderly.stop();
    orderly = undefined;
    expect(root.getSnapshot().status).toBe('stopped');
    // By the time the root stops, the hub has ended (its final state); what still runs is
    // stopped in reverse start order (the gateways supervisor outlives its completed sources).
    const stopped = notices.filter((n) => n.type === 'supervisor.child.stopped' && n.supervisorId === 'root').map((n) => (n as { childId: string }).childId);
    expect(stopped).toEqual(['gateways', 'jobs', 'outbox', 'registry']);
    const exited = notices.filter((n) => n.type === 'supervisor.child.exited' && n.supervisorId === 'root').map((n) => [(n as { childId: string }).childId, (n as { exit: string }).exit]);
    expect(exited).toEqual([['hub', 'normal']]);
    expect((await client.closed).code).toBe(1001);
  });
});
