import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { BENCH_EVENT_TYPES } from '../brokers/goEvents.js';
import { within } from '../brokers/meter.js';
import { redisFor } from '../brokers/redisKeys.js';
import type { RunNames } from '../brokers/runNames.js';
import type { PathServer } from './pathServer.js';

type Entry = [id: string, fields: string[]];
type Reply = [stream: string, entries: Entry[]][] | null;
/** How long one blocking read waits: bounds how late a stop is noticed. */
const BLOCK_MS = 1000;

/** The entry as the raw forwarder sends it: its stream, its message id and its JSON body, concatenated, not re-serialised. */
function forwardFrame(stream: string, fields: readonly string[]): string {
  let data = 'null';
  let id = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'data') data = fields[i + 1]!;
    else if (fields[i] === 'id') id = fields[i + 1]!;
  }
  return `{"stream":${JSON.stringify(stream)},"id":${JSON.stringify(id)},"data":${data}}`;
}

/**
 * The baseline: ioredis reading both streams as one consumer-group member (`XREADGROUP COUNT
 * BLOCK`, COUNT split between the streams as Orderly splits its credit), sending every entry at
 * once to every client of a bare `ws` server, then XACKing the reply without waiting for the
 * answer before the next read (the commands queue on one connection, so the next read is not
 * delayed by the ack's round trip). No decoding, no state, no auth: the least any forwarder does.
 */
export async function rawForwarder(redisUrl: string, names: RunNames, window: number): Promise<PathServer> {
  const server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });
  wss.on('connection', (ws) => ws.on('error', () => undefined));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const redis = redisFor(redisUrl, `${names.runId}-raw`);
  const streams = BENCH_EVENT_TYPES.map(names.channel);
  for (const stream of streams) await redis.xgroup('CREATE', stream, names.group, '0', 'MKSTREAM');
  const count = Math.max(1, Math.floor(window / streams.length));
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 10) problems.push(text);
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = (await redis.xreadgroup('GROUP', names.group, 'raw', 'COUNT', count, 'BLOCK', BLOCK_MS, 'STREAMS', ...streams, ...streams.map(() => '>'))) as Reply;
      if (reply === null) continue;
      for (const [stream, entries] of reply) {
        for (const [, fields] of entries) {
          const frame = forwardFrame(stream, fields);
          for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(frame);
        }
        redis.xack(stream, names.group, ...entries.map(([id]) => id)).catch((error: unknown) => problem(`XACK: ${String(error)}`));
      }
    }
  })().catch((error: unknown) => {
    if (!stopped) problem(`reading: ${String(error)}`);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { port, path: '/', headers: {} },
    problems: () => [...problems],
    async close() {
      stopped = true;
      redis.disconnect(); // ends a blocking read at once
      await loop;
      for (const client of wss.clients) client.terminate();
      await within(10_000, 'raw forwarder: closing', new Promise<void>((resolve) => wss.close(() => server.close(() => resolve()))));
    },
  };
}
