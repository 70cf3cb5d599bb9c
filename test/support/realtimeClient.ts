import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** A server frame as a client sees it (`event`, `subscribed`, `reset`, `error`, `pong`). */
export interface ServerFrame {
  readonly type: string;
  readonly topic?: string;
  readonly seq?: number;
  readonly code?: string;
  readonly event?: { readonly snapshot: { readonly orderId: string; readonly userId: string; readonly status: string }; readonly cloudEvent: { readonly id: string; readonly type: string } };
  /** When the client parsed it: `performance.timeOrigin + performance.now()`, comparable across processes on one machine. */
  readonly receivedAt: number;
  /** The frame's text as received, to search for what must never arrive. */
  readonly raw: string;
}

export interface RealtimeClient {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[];
  /** Resolves with the close code and reason once the connection is closed, whoever closed it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** The event frames received so far, in arrival order. */
  events(): ServerFrame[];
  /** The first frame `check` accepts, waiting at most `timeoutMs`. */
  waitFor(check: (frame: ServerFrame) => boolean, what: string, timeoutMs?: number): Promise<ServerFrame>;
  /** Stops reading from the socket: the kernel buffers fill and the server has to hold (or drop) what it sends. */
  pauseReading(): void;
  resumeReading(): void;
  /** Closes (1000) and waits for the close, terminating after a bounded wait. Idempotent. */
  close(): Promise<void>;
}

/** Absolute wall time in ms with sub-ms precision, the same clock in every process of the machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Polls `check` every 10 ms until it holds, failing with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Opens a WebSocket to `wsUrl` (e.g. `ws://127.0.0.1:3000/ws`) that records every frame. Rejects if the upgrade is refused. */
export async function connectRealtime(wsUrl: string, headers: Record<string, string> = {}): Promise<RealtimeClient> {
  const ws = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
  const frames: ServerFrame[] = [];
  ws.on('message', (data) => {
    const raw = String(data);
    frames.push({ ...(JSON.parse(raw) as Omit<ServerFrame, 'receivedAt' | 'raw'>), receivedAt: preciseNow(), raw });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => undefined); // the close event tells what happened
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => {
      ws.terminate();
      reject(new Error(`upgrade refused: ${response.statusCode}`));
    });
    ws.once('error', reject);
  });
  const socket = () => (ws as unknown as { _socket: Socket })._socket;
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    events: () => frames.filter((frame) => frame.type === 'event'),
    async waitFor(check, what, timeoutMs = 5_000) {
      await until(
        () => frames.some(check),
        () => `${what}; got ${frames.length} frames, last ${frames.slice(-3).map((f) => f.raw.slice(0, 200)).join(' | ')}`,
        timeoutMs,
      );
      return frames.find(check)!;
    },
    pauseReading: () => socket().pause(),
    resumeReading: () => socket().resume(),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close(1000);
      const timer = setTimeout(() => ws.terminate(), 2_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** The HTTP status the upgrade is answered with: 101 when it opens (then closed at once), else the refusal's status. */
export async function upgradeStatus(wsUrl: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(wsUrl, { headers });
  ws.on('error', () => undefined);
  const status = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade within 5 s')), 5_000);
    ws.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(101);
    });
  });
  ws.terminate();
  return status;
}

/** Sends a subscribe and waits for its answer (`subscribed` or `error` on that topic). */
export async function subscribe(client: RealtimeClient, topic: string, since?: number): Promise<ServerFrame> {
  client.send(since === undefined ? { type: 'subscribe', topic } : { type: 'subscribe', topic, since });
  return client.waitFor((f) => (f.type === 'subscribed' || f.type === 'error') && f.topic === topic, `an answer to subscribe ${topic}`);
}
