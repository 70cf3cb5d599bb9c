import { WebSocket } from 'ws';
import { within } from '../brokers/meter.js';
import { assertDescriptors, serveCommands } from './childControl.js';
import { BENCH_TOPIC, monotonicMicros, stampOf } from './fanOutMessage.js';
import { latencySummary, type LatencySummary } from './latencySummary.js';

export interface ConnectArgs {
  /** Connections to open now, on top of those already open; the total stays within the task's `clients`. */
  readonly count: number;
  readonly port: number;
  readonly path: string;
  /** Send `subscribe` on open and count the client ready at `subscribed` (the hub); else ready at open. */
  readonly subscribes: boolean;
  /** Handshakes in flight at once, so the listen backlog never overflows into SYN retries. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** What the clients saw of one publishing phase. */
export interface PhaseResult {
  readonly deliveries: number;
  /** From the earliest send stamp to the last frame received. */
  readonly seconds: number;
  readonly latency: LatencySummary;
  /** CPU seconds of the client process over the phase: how close the clients came to being the bottleneck. */
  readonly clientCpuSeconds: number;
}

/**
 * The client side of one measurement, in its own process: `clients` WebSocket connections, each
 * stamping every frame it receives. Receiving does only what any client must (ws parses the
 * frame) plus reading the send stamp out of the bytes, the same for both servers.
 */
export function clientTask(clients: number): void {
  assertDescriptors(clients + 200);
  const sockets: WebSocket[] = [];
  const perClient = new Uint32Array(clients);
  let latencies = new Float64Array(0);
  let received = 0;
  let expected = 0;
  let earliestSent = Number.POSITIVE_INFINITY;
  let lastReceived = 0;
  let cpuAtArm: NodeJS.CpuUsage | undefined;
  let complete: (() => void) | undefined;
  let closing = false;
  let ready = 0;
  const problems: string[] = [];

  const record = (index: number, frame: Buffer): boolean => {
    const sent = stampOf(frame);
    if (Number.isNaN(sent)) return false;
    const now = monotonicMicros();
    if (received >= expected) {
      if (problems.length < 10) problems.push(`client ${index}: a frame beyond the ${expected} expected`);
      return true;
    }
    latencies[received++] = (now - sent) / 1000;
    perClient[index]! += 1;
    if (sent < earliestSent) earliestSent = sent;
    lastReceived = now;
    if (received === expected) complete?.();
    return true;
  };

  const open = (index: number, args: ConnectArgs) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${args.port}${args.path}`, { perMessageDeflate: false });
      sockets[index] = ws;
      ws.once('unexpected-response', (_request, response) => {
        response.resume();
        reject(new Error(`client ${index}: upgrade refused with HTTP ${response.statusCode}`));
      });
      ws.on('error', (error) => reject(new Error(`client ${index}: ${error.message}`)));
      ws.on('close', (code, reason) => {
        if (!closing && problems.length < 10) problems.push(`client ${index} closed by the server: ${code} ${String(reason)}`);
        reject(new Error(`client ${index}: closed before it was ready (${code} ${String(reason)})`));
      });
      ws.on('message', (data: Buffer) => {
        if (record(index, data)) return;
        const text = data.toString('utf8');
        if (text.includes('"subscribed"')) resolve();
        else reject(new Error(`client ${index}: unexpected frame ${text.slice(0, 200)}`));
      });
      ws.once('open', () => {
        if (!args.subscribes) return resolve();
        ws.send(JSON.stringify({ type: 'subscribe', topic: BENCH_TOPIC }));
      });
    });

  serveCommands(
    {
      connect: async (raw) => {
        const args = raw as ConnectArgs;
        const begin = performance.now();
        const end = Math.min(clients, sockets.length + args.count);
        let next = sockets.length;
        const wanted = end - next;
        const worker = async () => {
          while (next < end) {
            await open(next++, args);
            ready += 1;
          }
        };
        const workers = Array.from({ length: Math.min(args.concurrency, wanted) }, worker);
        await within(args.timeoutMs, `opening ${wanted} connections`, Promise.all(workers)).catch((error: unknown) => {
          throw new Error(`${ready} of ${clients} connections ready, then: ${error instanceof Error ? error.message : String(error)}`);
        });
        return { seconds: (performance.now() - begin) / 1000 };
      },
      /** Arms the recording for `messages` frames per client; answers at once. */
      expect: (raw) => {
        const { messages } = raw as { messages: number };
        expected = clients * messages;
        if (latencies.length < expected) latencies = new Float64Array(expected);
        perClient.fill(0);
        received = 0;
        earliestSent = Number.POSITIVE_INFINITY;
        lastReceived = 0;
        cpuAtArm = process.cpuUsage();
        return null;
      },
      /** Waits (bounded) until every client has every frame of the armed phase. */
      results: async (raw): Promise<PhaseResult> => {
        const { timeoutMs } = raw as { timeoutMs: number };
        if (received < expected) {
          const done = new Promise<void>((resolve) => (complete = resolve));
          await within(timeoutMs, `receiving ${expected.toLocaleString('en')} frames`, done).catch((error: unknown) => {
            throw new Error(`${received.toLocaleString('en')} of ${expected.toLocaleString('en')} frames received: ${String(error)}`);
          });
          complete = undefined;
        }
        const cpu = process.cpuUsage(cpuAtArm);
        const messages = expected / clients;
        const short = perClient.findIndex((n) => n !== messages);
        if (short >= 0) problems.push(`client ${short} got ${perClient[short]} frames, expected ${messages}`);
        if (problems.length > 0) throw new Error(problems.join('; '));
        return {
          deliveries: received,
          seconds: (lastReceived - earliestSent) / 1e6,
          latency: latencySummary(latencies.subarray(0, received)),
          clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
        };
      },
    },
    async () => {
      closing = true;
      const closed = sockets.filter(Boolean).map((ws) => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(null) : ws.once('close', resolve))));
      for (const ws of sockets) ws?.terminate();
      await within(10_000, 'closing the clients', Promise.all(closed));
    },
  );
}
