import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { createHub } from '../../src/actors/hub/createHub.js';
import type { Principal } from '../../src/domain/principal.js';
import { createMemoryClusterBus } from '../../src/gateways/memory/createMemoryClusterBus.js';
import { attachWebSocketGateway } from '../../src/gateways/websocket/attachWebSocketGateway.js';
import type { AuthenticateRealtime } from '../../src/gateways/websocket/realtimeAuth.js';
import { within } from '../brokers/meter.js';
import { BENCH_USER, fanOutMessage, monotonicMicros } from './fanOutMessage.js';
import { LISTEN_BACKLOG, type FanOutServer } from './fanOutServer.js';

/**
 * Stub auth, as in the gateway tests: `?user=<id>` is that user. The real verifier (jose, HS256)
 * runs once per upgrade, not per frame, so it would only move the connect time, which is not
 * measured; the per-frame path is the same.
 */
const authenticateByQuery: AuthenticateRealtime = (request) => {
  const userId = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
  if (!userId) return Promise.resolve({ reason: 'missing user' });
  const principal: Principal = { userId, role: 'user' };
  return Promise.resolve(principal);
};

/**
 * Orderly's real-time path as src/app wires it, minus the order pipeline: a fastify server with
 * the WebSocket gateway, the hub actor on the in-process cluster bus, and every change published
 * on that bus as the order actors publish it. Each client is a user session subscribed to the
 * user's topic, so every delivery goes through the session's ownership check and send queue.
 */
export async function orderlyHubServer(): Promise<FanOutServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const bus = createMemoryClusterBus();
  const hub = createHub({
    bus,
    orderOwner: () => Promise.resolve(BENCH_USER),
    orderSnapshot: () => Promise.resolve(undefined),
  });
  const gateway = attachWebSocketGateway({ server: app.server, hub, authenticate: authenticateByQuery, originAllowed: () => true });
  await app.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG });
  const { port } = app.server.address() as AddressInfo;
  const failures: string[] = [];
  return {
    port,
    clientPath: `/ws?user=${BENCH_USER}`,
    subscribes: true,
    get connections() {
      return hub.stats.sessions;
    },
    publish(n) {
      bus.publish(fanOutMessage(n, monotonicMicros())).catch((error: unknown) => {
        if (failures.length < 10) failures.push(`publish ${n}: ${String(error)}`);
      });
    },
    problems() {
      const { cutOff, unserialisable } = hub.stats;
      return [
        ...failures,
        ...(cutOff > 0 ? [`the hub cut off ${cutOff} sessions as too slow`] : []),
        ...(unserialisable > 0 ? [`${unserialisable} messages were not serialisable`] : []),
        ...(hub.actor?.getSnapshot().status !== 'active' ? [`the hub actor is ${hub.actor?.getSnapshot().status ?? 'not started'}`] : []),
      ];
    },
    async close() {
      await hub.stop();
      await within(15_000, 'hub server: closing the WebSocket gateway', gateway.close());
      await within(10_000, 'hub server: closing fastify', app.close());
      await bus.close();
    },
  };
}
