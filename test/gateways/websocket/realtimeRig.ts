import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { createHub, type Hub } from '../../../src/actors/hub/createHub.js';
import type { HubLimits } from '../../../src/actors/hub/hubOptions.js';
import type { Clock } from '../../../src/domain/clock.js';
import type { Principal } from '../../../src/domain/principal.js';
import { createMemoryClusterBus } from '../../../src/gateways/memory/createMemoryClusterBus.js';
import type { ClusterBus } from '../../../src/actors/hub/clusterBus.js';
import { registerSseRoutes } from '../../../src/gateways/sse/registerSseRoutes.js';
import type { SseOptions } from '../../../src/gateways/sse/sseOptions.js';
import { attachWebSocketGateway, type WebSocketGateway } from '../../../src/gateways/websocket/attachWebSocketGateway.js';
import type { AuthenticateRealtime, OriginAllowed } from '../../../src/gateways/websocket/realtimeAuth.js';
import type { WebSocketOptions } from '../../../src/gateways/websocket/websocketOptions.js';

/**
 * Stub auth for the gateway tests: `Authorization: Bearer <userId>` or `?ticket=<userId>`; the
 * user `root` is an admin. AUTH's real implementation is tested on its own.
 */
export const stubAuthenticate: AuthenticateRealtime = (request) => {
  const header = request.headers.authorization;
  const ticket = new URL(request.url ?? '/', 'http://x').searchParams.get('ticket');
  const userId = header?.startsWith('Bearer ') ? header.slice(7) : ticket;
  if (!userId) return Promise.resolve({ reason: 'missing token' });
  if (userId === 'bad') return Promise.resolve({ reason: 'invalid token' });
  const principal: Principal = { userId, role: userId === 'root' ? 'admin' : 'user' };
  return Promise.resolve(principal);
};

export const EVIL_ORIGIN = 'http://evil.example';
export const stubOriginAllowed: OriginAllowed = (request) => request.headers.origin !== EVIL_ORIGIN;

export interface RealtimeRig {
  readonly app: FastifyInstance;
  readonly hub: Hub;
  readonly bus: ClusterBus;
  readonly ws: WebSocketGateway;
  readonly base: string;
  readonly owners: Map<string, string>;
  /** Publishes a change of `orderId` (owned by `userId`) and resolves with its seq. */
  publish(orderId: string, userId: string, payload?: unknown): Promise<number>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly limits?: Partial<HubLimits>;
  readonly websocket?: Partial<WebSocketOptions>;
  readonly sse?: Partial<SseOptions>;
  readonly clock?: Clock;
}

/** A fastify server on loopback with the hub, the WebSocket gateway and the SSE route, as src/app wires them. */
export async function realtimeRig(options: RigOptions = {}): Promise<RealtimeRig> {
  const app = Fastify({ logger: false, forceCloseConnections: 'idle' });
  const bus = createMemoryClusterBus({ firstSeq: 1 });
  const owners = new Map<string, string>();
  const hub = createHub({
    bus,
    limits: options.limits ?? {},
    orderOwner: (id) => Promise.resolve(owners.get(id)),
    orderSnapshot: (id) => {
      const userId = owners.get(id);
      return Promise.resolve(userId === undefined ? undefined : { orderId: id, userId, items: [], totalCents: 1, currency: 'EUR', createdAt: '2025-01-01T00:00:00Z' });
    },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const clock = options.clock ? { clock: options.clock } : {};
  registerSseRoutes(app, { hub, authenticate: stubAuthenticate, originAllowed: stubOriginAllowed, options: options.sse ?? {}, ...clock });
  const ws = attachWebSocketGateway({ server: app.server, hub, authenticate: stubAuthenticate, originAllowed: stubOriginAllowed, options: options.websocket ?? {}, ...clock });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    hub,
    bus,
    ws,
    owners,
    base: `127.0.0.1:${port}`,
    publish(orderId, userId, payload = {}) {
      owners.set(orderId, userId);
      return bus.publish({ topics: [`order:${orderId}`, `user:${userId}`, 'admin:all'], ownerId: userId, event: { orderId, payload } });
    },
    async close() {
      await hub.stop();
      await ws.close();
      await app.close();
      await bus.close();
    },
  };
}

/** Waits for `condition`, polling every 5 ms, failing after `ms`. */
export async function until(condition: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A WebSocket client that records every frame it gets, and how it closed. */
export class TestClient {
  readonly frames: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  refusedWith: number | undefined;
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(base: string, init: { user?: string; origin?: string; query?: string; autoPong?: boolean } = {}) {
    this.socket = new WebSocket(`ws://${base}/ws${init.query ?? ''}`, {
      headers: { ...(init.user ? { authorization: `Bearer ${init.user}` } : {}), ...(init.origin ? { origin: init.origin } : {}) },
      autoPong: init.autoPong ?? true,
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => {
        this.refusedWith = res.statusCode;
        res.resume();
        reject(new Error(`refused with ${res.statusCode}`));
      });
      this.socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  ofType(type: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.type === type);
  }

  async subscribe(topic: string, since?: number): Promise<void> {
    const before = this.frames.length;
    this.send({ type: 'subscribe', topic, ...(since === undefined ? {} : { since }) });
    await until(() => this.frames.slice(before).some((f) => f.topic === topic && (f.type === 'subscribed' || f.type === 'error')), 5_000, `answer to subscribe ${topic}`);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.terminate();
    await closed;
  }
}
