import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RealtimeHub } from '../../../src/actors/hub/realtimeHub.js';
import { EVENT_TYPES, knownVersions, validateEventData } from '../../../src/domain/orderEvents.js';
import { createHttpAuth } from '../../../src/gateways/http/auth/index.js';
import { AsyncApiOptionsError, asyncApiDocument } from '../../../src/gateways/http/contract/asyncApiDocument.js';
import { BROKERS } from '../../../src/gateways/http/contract/brokerChannels.js';
import { registerContractRoutes, type ContractOptions } from '../../../src/gateways/http/contract/contractRoutes.js';
import { WEBSOCKET_EXTENSION } from '../../../src/gateways/http/contract/openApiPaths.js';
import { createHttpServer } from '../../../src/gateways/http/createHttpServer.js';
import { registerDashboardRoutes } from '../../../src/gateways/http/dashboard/registerDashboardRoutes.js';
import { registerDlqRoutes } from '../../../src/gateways/http/dlqRoutes.js';
import { registerMetricsRoute } from '../../../src/app/metrics/registerMetricsRoute.js';
import { registerTaskRoutes } from '../../../src/gateways/http/taskRoutes.js';
import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { registerSseRoutes } from '../../../src/gateways/sse/registerSseRoutes.js';
import { deadLetterHeaders } from '../../../src/streams/deadLetterHeaders.js';
import { TEST_JWT_SECRET } from '../../support/auth.js';
import { orderCreated, orderCreatedV1, paymentCompleted, structured } from '../../domain/fixtures.js';

type Json = Record<string, unknown>;

const options: ContractOptions = {
  channels: ['orders', ...EVENT_TYPES],
  statusChannel: 'order.status',
  prefix: 'acme.',
  sources: [...BROKERS],
  publishTo: 'kafka',
  publishChannel: 'orders',
  brokerUrls: { kafka: ['k1:9092', 'k2:9092'], rabbitmq: ['amqp://orderly:hunter2@rabbit:5672/vhost'], redis: ['redis://:s3cret@cache:6379/0'] },
  version: '1.2.3',
};

/** The server as createOrderly assembles it, every route registered, none of them called. */
function serverWithEveryRoute(): FastifyInstance {
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  const unused = async (): Promise<never> => {
    throw new Error('not called in this test');
  };
  const orders = { load: async () => undefined };
  const app = createHttpServer({ sink: { publish: unused }, channel: 'orders', orders, readiness: () => ({ ready: true, checks: {} }), auth, now: Date.now, newId: () => 'id', defaultCurrency: 'EUR', maxBodyBytes: 65_536 });
  registerTaskRoutes(app, { auth, tasks: { get: async () => undefined }, enqueue: unused, orders, checkPayload: () => undefined, ownerOf: () => 'u', view: (record) => record });
  registerDlqRoutes(app, { auth, store: { get: async () => undefined, list: async () => [], delete: async () => false }, replay: unused });
  registerSseRoutes(app, { hub: {} as RealtimeHub, authenticate: async () => ({ reason: 'not in this test' }) });
  registerDashboardRoutes(app, { auth, snapshot: unused });
  registerMetricsRoute(app, { contentType: 'text/plain', metrics: unused });
  registerContractRoutes(app, options);
  return app;
}

/** `METHOD /path` of every route, read off fastify's route tree (`:id` written `{id}`, HEAD left out). */
function registeredRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*?)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4 - 1;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

let app: FastifyInstance;
let asyncApi: Json;
let openApi: Json;
let parsed: AsyncAPIDocumentInterface;

beforeAll(async () => {
  app = serverWithEveryRoute();
  await app.ready();
  const served = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode, url).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return response.json() as Json;
  };
  asyncApi = await served('/asyncapi.json');
  openApi = await served('/openapi.json');
  const { document, diagnostics } = await new Parser().parse(asyncApi as Parameters<Parser['parse']>[0]);
  expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
  parsed = document!;
});

afterAll(() => app.close());

/** A message's payload or headers schema, references resolved by the parser, as zod reads it. */
const schemaOf = (id: string, part: 'payload' | 'headers' = 'payload') => {
  const message = parsed.allMessages().get(id);
  expect(message, id).toBeDefined();
  return z.fromJSONSchema(message![part]()!.json() as Parameters<typeof z.fromJSONSchema>[0]);
};

describe('contract - AsyncAPI document', () => {
  it('is served without a token and is valid AsyncAPI 3 (no error diagnostics)', () => {
    expect(asyncApi['asyncapi']).toMatch(/^3\./);
    expect(parsed.info().version()).toBe('1.2.3');
  });

  it('has a message for every event type and version, in both CloudEvents modes', () => {
    for (const type of EVENT_TYPES) {
      for (const version of knownVersions(type)) {
        for (const mode of ['structured', 'binary']) expect(parsed.allMessages().get(`${type}.v${version}.${mode}`)?.name(), `${type} v${version} ${mode}`).toBe(type);
      }
    }
    expect(parsed.allMessages().get('order.status-changed.v1.structured')?.name()).toBe('order.status-changed');
  });

  it('gives every broker its channels and dead-letter channels, and the status channel to the broker published to', () => {
    const address = (id: string) => parsed.allChannels().get(id)?.address();
    expect(address('kafka.acme.orders')).toBe('acme.orders');
    expect(address('kafka.acme.orders.dlq')).toBe('acme.orders.dlq');
    expect(address('redis.acme.order.created.dlq')).toBe('acme.order.created:dlq');
    expect(address('redis-list.acme.orders')).toBe('queue:acme.orders');
    expect(address('redis-list.acme.orders.dlq')).toBe('queue:acme.orders:dlq');
    expect(address('kafka.acme.order.status')).toBe('acme.order.status');
    expect(address('nats.acme.order.status')).toBeUndefined();
    for (const broker of BROKERS) {
      expect(parsed.allOperations().get(`${broker}.acme.orders.receive`)?.action(), broker).toBe('receive');
      expect(parsed.allOperations().get(`${broker}.acme.orders.dlq.send`)?.action(), broker).toBe('send');
    }
    const perType = parsed.allChannels().get('rabbitmq.acme.payment.failed')!;
    expect(perType.messages().all().map((message) => message.name())).toEqual(['payment.failed', 'payment.failed']);
  });

  it('message schemas accept real events and reject invalid ones, as the decoder does', () => {
    const cases: [string, unknown, boolean][] = [
      ['order.created.v2.structured', structured(), true],
      ['order.created.v2.structured', structured({ specversion: '0.3' }), false],
      ['order.created.v2.structured', structured({ data: { ...orderCreated(), items: [] } }), false],
      ['order.created.v1.structured', structured({ dataversion: '1', data: orderCreatedV1() }), true],
      ['order.created.v1.structured', structured({ data: orderCreatedV1() }), false], // v1 must say so
      ['order.created.v2.binary', orderCreated(), true],
      ['order.created.v2.binary', { ...orderCreated(), currency: undefined }, false],
      ['order.created.v1.binary', orderCreatedV1(), true],
      ['payment.completed.v1.binary', paymentCompleted(), true],
      ['payment.completed.v1.binary', { ...paymentCompleted(), amountCents: 0 }, false],
    ];
    for (const [id, event, valid] of cases) expect(schemaOf(id).safeParse(event).success, `${id}: ${JSON.stringify(event).slice(0, 80)}`).toBe(valid);
    for (const [id, data] of [['order.created.v2.binary', orderCreated()], ['order.created.v1.binary', orderCreatedV1()], ['payment.completed.v1.binary', paymentCompleted()]] as const) {
      const [type, version] = [id.split('.v')[0] as 'order.created', Number(id.split('.v')[1]!.split('.')[0])];
      expect(validateEventData(type, version, data).ok, `the decoder agrees on ${id}`).toBe(true);
    }
    expect(schemaOf('order.created.v2.binary', 'headers').safeParse({ ce_specversion: '1.0', ce_type: 'order.created', ce_dataversion: '2' }).success).toBe(true);
    expect(schemaOf('order.created.v2.binary', 'headers').safeParse({ ce_type: 'payment.failed' }).success).toBe(false);
  });

  it('describes every header a dead letter carries', () => {
    const written = deadLetterHeaders(
      { code: 'validation', message: 'data.items: must have at least one item', attempts: 3, error: 'boom', firstFailedAt: 1, correlationId: 'c', eventId: 'e', indexId: 'i' },
      { gateway: 'kafka', channel: 'orders', coordinates: { partition: '0', offset: '7' }, attempt: 3, receivedAt: 0 },
      new Date(2),
    );
    const described = Object.keys(parsed.allMessages().get('dead-letter')!.headers()!.properties() ?? {});
    expect(Object.keys(written).filter((name) => !described.includes(name))).toEqual([]);
    expect(schemaOf('dead-letter', 'headers').safeParse({ ...written, 'content-type': 'application/json' }).success).toBe(true);
  });

  it('shows broker hosts without credentials', () => {
    const text = JSON.stringify(asyncApi);
    expect(text).not.toMatch(/hunter2|s3cret|orderly:/);
    expect(parsed.allServers().get('rabbitmq')?.host()).toBe('rabbit:5672');
    expect(parsed.allServers().get('kafka')?.host()).toBe('k1:9092,k2:9092');
  });

  it('refuses options it cannot describe', () => {
    expect(() => asyncApiDocument({ ...options, sources: [] })).toThrow(AsyncApiOptionsError);
    expect(() => asyncApiDocument({ ...options, sources: ['redis'], publishTo: 'kafka' })).toThrow(AsyncApiOptionsError);
  });
});

describe('contract - OpenAPI document', () => {
  it('is served without a token and lists exactly the routes the server registers', () => {
    expect(openApi['openapi']).toBe('3.1.0');
    const paths = openApi['paths'] as Record<string, Json>;
    const documented = Object.entries(paths)
      .filter(([, item]) => item[WEBSOCKET_EXTENSION] !== true)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = registeredRoutes(app);
    expect(registered).toContain('GET /healthz');
    expect(documented).toEqual(registered);
  });

  it('resolves every $ref and gives every operation an id and responses', () => {
    const text = JSON.stringify(openApi);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref!.split('/').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], openApi);
      expect(target, ref).toBeDefined();
    }
    const operations = Object.values(openApi['paths'] as Record<string, Json>).flatMap((item) => Object.values(item).filter((value): value is Json => typeof value === 'object'));
    expect(new Set(operations.map((operation) => operation['operationId'])).size).toBe(operations.length);
    for (const operation of operations) expect(Object.keys(operation['responses'] as Json).length, String(operation['operationId'])).toBeGreaterThan(0);
  });

  it('takes an order draft without the fields POST /orders fills in', () => {
    const draft = (openApi['components'] as { schemas: Record<string, Json> }).schemas['OrderDraft']!;
    const { orderId: _o, userId: _u, currency: _c, timestamp: _t, ...minimal } = orderCreated();
    expect(z.fromJSONSchema(draft as Parameters<typeof z.fromJSONSchema>[0]).safeParse(minimal).success).toBe(true);
  });
});
