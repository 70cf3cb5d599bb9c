import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface InspectorBridgeOptions {
  /** Always loopback: inspection shows the inside of every actor. @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Events kept for a viewer that connects late; the oldest go first. @default 500 */
  readonly maxBuffered?: number;
  /** The Stately inspector UI the page embeds. @default 'https://stately.ai/inspect' */
  readonly inspectorUrl?: string;
}

export interface InspectorBridge {
  /** The page to open: it embeds the Stately inspector and feeds it this process's events. */
  readonly url: string;
  /** Where the app's WebSocket inspector (`@statelyai/inspect`) sends its events. */
  readonly wsUrl: string;
  close(): Promise<void>;
}

/**
 * The relay between Orderly's WebSocket inspector and the Stately inspector in a browser: what
 * `@statelyai/inspect/server` does, bound to loopback (that one listens on every interface and
 * opens a browser). Whatever a client sends goes to every other client; the last `maxBuffered`
 * messages are replayed to a viewer that connects later.
 */
export async function startInspectorBridge(options: InspectorBridgeOptions): Promise<InspectorBridge> {
  const host = options.host ?? '127.0.0.1';
  const maxBuffered = options.maxBuffered ?? 500;
  const inspectorUrl = options.inspectorUrl ?? 'https://stately.ai/inspect';
  const buffered: string[] = [];
  let port = options.port;
  const http: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    response.end(bridgePage(`ws://${host}:${port}`, inspectorUrl));
  });
  const wss = new WebSocketServer({ server: http, maxPayload: 1 << 20 });
  wss.on('connection', (socket) => {
    for (const message of buffered) socket.send(message);
    socket.on('message', (data) => {
      const message = data.toString();
      buffered.push(message);
      if (buffered.length > maxBuffered) buffered.shift();
      for (const client of wss.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    wsUrl: `ws://${host}:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The page: the inspector in an iframe, fed from the WebSocket once it says it is ready. */
function bridgePage(wsUrl: string, inspectorUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Orderly – Stately inspector</title>
<style>html,body{height:100%;margin:0}iframe{width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="${inspectorUrl}"></iframe>
<script>
const frame = document.getElementById('inspector');
const waiting = [];
let ready = false;
addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected') {
    ready = true;
    for (const event of waiting.splice(0)) frame.contentWindow.postMessage(event, '*');
  }
});
new WebSocket(${JSON.stringify(wsUrl)}).onmessage = (m) => {
  const event = JSON.parse(m.data);
  if (ready) frame.contentWindow.postMessage(event, '*'); else waiting.push(event);
};
</script></body></html>`;
}
