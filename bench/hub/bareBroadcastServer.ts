import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { within } from '../brokers/meter.js';
import { BENCH_TOPIC, bareFrame, fanOutMessage, monotonicMicros } from './fanOutMessage.js';
import { LISTEN_BACKLOG, type FanOutServer } from './fanOutServer.js';

/**
 * The baseline: a plain `ws` server on a plain HTTP server, broadcasting as the `ws` README does
 * (`for (const client of wss.clients) if (client.readyState === OPEN) client.send(data)`), each
 * frame serialised and encoded once and the same bytes sent to every client. The frame is the
 * hub's own frame for the same message, byte for byte (same topic, a seq of the same width), so
 * the two servers put the same bytes on the wire. No auth, no subscriptions, no send queues.
 */
export async function bareBroadcastServer(): Promise<FanOutServer> {
  const server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });
  let seq = Date.now() * 1000; // as wide as the memory bus's sequence numbers
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', LISTEN_BACKLOG, resolve);
  });
  wss.on('connection', (ws) => ws.on('error', () => undefined));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    clientPath: '/',
    subscribes: false,
    get connections() {
      return wss.clients.size;
    },
    publish(n) {
      seq += 1;
      const bytes = Buffer.from(bareFrame(fanOutMessage(n, monotonicMicros()), BENCH_TOPIC, seq), 'utf8');
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(bytes, { binary: false });
    },
    problems: () => [],
    async close() {
      for (const client of wss.clients) client.terminate();
      await within(10_000, 'bare server: closing', new Promise<void>((resolve) => wss.close(() => server.close(() => resolve()))));
    },
  };
}
