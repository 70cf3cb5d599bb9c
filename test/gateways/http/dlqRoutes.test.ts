import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpAuth } from '../../../src/gateways/http/auth/index.js';
import { registerDlqRoutes } from '../../../src/gateways/http/dlqRoutes.js';
import { createMemoryDeadLetterStore } from '../../../src/gateways/memory/createMemoryDeadLetterStore.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import type { DeadLetterStore } from '../../../src/streams/deadLetterStore.js';
import { replayDeadLetter } from '../../../src/streams/replayDeadLetter.js';
import type { OutboundMessage } from '../../../src/streams/source.js';
import { bearer, TEST_JWT_SECRET } from '../../support/auth.js';
import { deadLetterEntry } from '../../contract/deadLetterStoreContract.js';

let app: FastifyInstance;
let store: DeadLetterStore;
let published: { gateway: string; channel: string; message: OutboundMessage }[];
let refuse: Error | undefined;

beforeEach(async () => {
  store = createMemoryDeadLetterStore();
  published = [];
  refuse = undefined;
  const sinkFor = (gateway: string) => ({
    publish: async (channel: string, message: OutboundMessage) => {
      if (refuse) throw refuse;
      published.push({ gateway, channel, message });
    },
  });
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  app = Fastify();
  registerDlqRoutes(app, { auth, store, replay: (entry) => replayDeadLetter(entry, { store, sinkFor }) });
  await app.ready();
});

afterEach(() => app.close());

const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: object) => {
  const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return { code: res.statusCode, body: res.body === '' ? undefined : (res.json() as Record<string, unknown>) };
};

describe('dlq routes - admins only', () => {
  it('answers 401 without a token, 403 for a user and a producer, 200 for an admin, on every route', async () => {
    const entry = deadLetterEntry(1);
    await store.add(entry);
    const routes: ['GET' | 'POST' | 'DELETE', string, object?][] = [
      ['GET', '/dlq'],
      ['GET', `/dlq/${entry.id}`],
      ['POST', `/dlq/${entry.id}/replay`, {}],
      ['POST', '/dlq/replay', { all: true }],
      ['DELETE', `/dlq/${entry.id}`],
    ];
    for (const [method, url, payload] of routes) {
      expect((await call(method, url, {}, payload)).code, `${method} ${url} without a token`).toBe(401);
      expect((await call(method, url, await bearer('u1'), payload)).code, `${method} ${url} as a user`).toBe(403);
      expect((await call(method, url, await bearer('p1', 'producer'), payload)).code, `${method} ${url} as a producer`).toBe(403);
    }
    expect(published).toEqual([]);
    expect(await store.size()).toBe(1);
    for (const [method, url, payload] of routes) expect((await call(method, url, await bearer('boss', 'admin'), payload)).code, `${method} ${url} as an admin`).toBe(200);
  });
});

describe('dlq routes - browse', () => {
  it('lists summaries newest first, filtered by reason, type and order; shows one whole; 404 for an unknown id', async () => {
    const admin = await bearer('boss', 'admin');
    const a = deadLetterEntry(1, { orderKey: 'o-A', eventType: 'payment.completed' });
    const b = deadLetterEntry(2, { orderKey: 'o-B', eventType: 'order.shipped', reason: 'forbidden-transition' });
    await store.add(a);
    await store.add(b);
    const all = await call('GET', '/dlq', admin);
    expect(all.body).toMatchObject({ count: 2, entries: [{ id: b.id, hasContext: true }, { id: a.id }] });
    expect((all.body!.entries as object[])[0]).not.toHaveProperty('original');
    expect((all.body!.entries as object[])[0]).not.toHaveProperty('context');
    const ids = async (query: string) => ((await call('GET', `/dlq?${query}`, admin)).body!.entries as { id: string }[]).map((e) => e.id);
    expect(await ids('reason=forbidden-transition')).toEqual([b.id]);
    expect(await ids('type=payment.completed')).toEqual([a.id]);
    expect(await ids('order=o-A')).toEqual([a.id]);
    expect(await ids('limit=1')).toEqual([b.id]);
    expect((await call('GET', '/dlq?reason=nonsense', admin)).code).toBe(400);
    expect((await call('GET', '/dlq?limit=0', admin)).code).toBe(400);
    expect((await call('GET', `/dlq/${a.id}`, admin)).body).toEqual(a);
    expect((await call('GET', '/dlq/nope', admin)).code).toBe(404);
  });
});

describe('dlq routes - replay and delete', () => {
  it('replay publishes the original bytes and headers, with the original event id, to the original gateway and channel, then drops the entry', async () => {
    const admin = await bearer('boss', 'admin');
    const entry = deadLetterEntry(1, { origin: { gateway: 'rabbitmq', channel: 'run.orders', coordinates: { queue: 'run.orders', deliveryTag: '4' }, attempt: 1 } });
    await store.add(entry);
    const res = await call('POST', `/dlq/${entry.id}/replay`, admin, {});
    expect(res).toEqual({ code: 200, body: { replayed: { id: entry.id, eventId: entry.eventId, gateway: 'rabbitmq', channel: 'run.orders' } } });
    expect(published).toHaveLength(1);
    const [sent] = published;
    expect(sent).toMatchObject({ gateway: 'rabbitmq', channel: 'run.orders' });
    expect(Buffer.from(sent!.message.body).toString('base64')).toBe(entry.original.body);
    expect(sent!.message.headers).toEqual({ ...entry.original.headers, 'x-dead-letter-replayed-from': entry.id });
    expect(sent!.message.key).toBe('o-1');
    expect(await store.get(entry.id)).toBeUndefined();
    expect((await call('POST', `/dlq/${entry.id}/replay`, admin, {})).code).toBe(404);
  });

  it('a plain payload whose id came from its coordinates keeps that id through a message-id header', async () => {
    const entry = deadLetterEntry(1, { eventId: 'redis:orders:17-0', original: { body: Buffer.from('{}').toString('base64'), headers: {} } });
    await store.add(entry);
    await call('POST', `/dlq/${entry.id}/replay`, await bearer('boss', 'admin'), {});
    expect(published[0]!.message.headers['message-id']).toBe('redis:orders:17-0');
  });

  it('a replay the broker refuses is 503 and keeps the entry', async () => {
    const entry = deadLetterEntry(1);
    await store.add(entry);
    refuse = new Error('broker down');
    const res = await call('POST', `/dlq/${entry.id}/replay`, await bearer('boss', 'admin'), {});
    expect(res.code).toBe(503);
    expect(await store.get(entry.id)).toEqual(entry);
  });

  it('replays by filter, oldest first, and wants a filter or all', async () => {
    const admin = await bearer('boss', 'admin');
    const a1 = deadLetterEntry(1, { orderKey: 'o-A' });
    const b = deadLetterEntry(2, { orderKey: 'o-B' });
    const a2 = deadLetterEntry(3, { orderKey: 'o-A' });
    for (const e of [a1, b, a2]) await store.add(e);
    expect((await call('POST', '/dlq/replay', admin, {})).code).toBe(400);
    const res = await call('POST', '/dlq/replay', admin, { order: 'o-A' });
    expect(res.code).toBe(200);
    expect((res.body!.replayed as { id: string }[]).map((r) => r.id)).toEqual([a1.id, a2.id]);
    expect(res.body!.failed).toEqual([]);
    expect((await store.list()).map((e) => e.id)).toEqual([b.id]);
  });

  it('delete is idempotent: deleted true, then false', async () => {
    const admin = await bearer('boss', 'admin');
    const entry = deadLetterEntry(1);
    await store.add(entry);
    expect((await call('DELETE', `/dlq/${entry.id}`, admin)).body).toEqual({ deleted: true });
    expect((await call('DELETE', `/dlq/${entry.id}`, admin)).body).toEqual({ deleted: false });
    expect(published).toEqual([]);
  });
});
