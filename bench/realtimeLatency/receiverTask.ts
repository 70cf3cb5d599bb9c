import { WebSocket } from 'ws';
import { within } from '../brokers/meter.js';
import { serveCommands } from '../hub/childControl.js';
import { monotonicMicros } from '../hub/fanOutMessage.js';
import { latencySummary, type LatencySummary } from '../hub/latencySummary.js';
import { stampIn } from './stampedEvents.js';

/** Where and how the receiver connects: what the server task answered `start` with. */
export interface Endpoint {
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A topic to subscribe to, ready at its `subscribed` frame (Orderly); none: ready at open (the bare `ws` server). */
  readonly subscribe?: string;
}

/** What the receiver saw of one phase. */
export interface ReceiveResult {
  readonly received: number;
  /** Publish-to-receipt time of every event, in ms. */
  readonly latency: LatencySummary;
  /** From the first event received to the last: the path's rate when the producer outruns it. */
  readonly seconds: number;
}

/**
 * The WebSocket client, in its own process and the same for both paths: one connection that
 * takes the publish stamp out of each frame and subtracts it from its own reading of the same
 * monotonic clock. It does no more per frame than that (ws parses the frame for it).
 */
export function receiverTask(): void {
  let ws: WebSocket | undefined;
  let latencies = new Float64Array(0);
  let received = 0;
  let expected = 0;
  let firstAt = 0;
  let lastAt = 0;
  let complete: (() => void) | undefined;
  let closing = false;
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 10) problems.push(text);
  };

  const onFrame = (frame: Buffer): boolean => {
    const sent = stampIn(frame);
    if (Number.isNaN(sent)) return false;
    const now = monotonicMicros();
    if (received >= expected) {
      problem(`a frame beyond the ${expected} expected: ${frame.toString('utf8', 0, 160)}`);
      return true;
    }
    if (received === 0) firstAt = now;
    lastAt = now;
    latencies[received++] = (now - sent) / 1000;
    if (received === expected) complete?.();
    return true;
  };

  serveCommands(
    {
      connect: (raw) => {
        const endpoint = raw as Endpoint;
        const opened = new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${endpoint.port}${endpoint.path}`, { perMessageDeflate: false, headers: { ...endpoint.headers } });
          ws = socket;
          socket.once('unexpected-response', (_request, response) => {
            response.resume();
            reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
          });
          socket.on('error', (error) => reject(error));
          socket.on('close', (code, reason) => {
            if (!closing) problem(`closed by the server: ${code} ${String(reason)}`);
            reject(new Error(`closed before it was ready (${code} ${String(reason)})`));
          });
          socket.on('message', (data: Buffer) => {
            if (onFrame(data)) return;
            const text = data.toString('utf8');
            if (text.includes('"subscribed"')) resolve();
            else problem(`unexpected frame ${text.slice(0, 200)}`);
          });
          socket.once('open', () => {
            if (endpoint.subscribe === undefined) resolve();
            else socket.send(JSON.stringify({ type: 'subscribe', topic: endpoint.subscribe }));
          });
        });
        return within(30_000, 'connecting the receiver', opened).then(() => {
          if (problems.length > 0) throw new Error(problems.join('; '));
          return null;
        });
      },
      /** Arms the recording for `events` frames; answers at once. */
      expect: (raw) => {
        expected = (raw as { events: number }).events;
        if (latencies.length < expected) latencies = new Float64Array(expected);
        received = 0;
        return null;
      },
      /** Waits (bounded) until every armed frame has arrived. */
      results: async (raw): Promise<ReceiveResult> => {
        const { timeoutMs } = raw as { timeoutMs: number };
        if (received < expected) {
          await within(timeoutMs, 'receiving', new Promise<void>((resolve) => (complete = resolve))).catch((error: unknown) => {
            throw new Error(`${received.toLocaleString('en')} of ${expected.toLocaleString('en')} frames received: ${String(error)}`, { cause: error });
          });
          complete = undefined;
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
        return { received, latency: latencySummary(latencies.subarray(0, received)), seconds: (lastAt - firstAt) / 1e6 };
      },
    },
    async () => {
      closing = true;
      const socket = ws;
      if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.terminate();
      await within(10_000, 'closing the receiver', closed);
    },
  );
}
