import { bareBroadcastServer } from './bareBroadcastServer.js';
import { assertDescriptors, serveCommands } from './childControl.js';
import { FAN_OUT_KINDS, type FanOutServer } from './fanOutServer.js';
import { orderlyHubServer } from './orderlyHubServer.js';

/** Heap and resident size, measured after full collections. */
export interface MemoryReading {
  readonly rssBytes: number;
  /** V8's used heap plus memory outside it held by JS objects (Buffers). */
  readonly heapBytes: number;
}

export interface PublishArgs {
  readonly count: number;
  /** 0: one message per turn of the event loop, as fast as the server goes; else one every `intervalMs`. */
  readonly intervalMs: number;
}

async function settledMemory(): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the server task needs --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve)); // let finalizers and weak callbacks run
  }
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapBytes: usage.heapUsed + usage.external };
}

/**
 * The server side of one measurement, in its own process so that the clients' CPU is not its
 * CPU: one fan-out server, driven by the parent over IPC.
 */
export function serverTask(kind: string, clients: number): void {
  if (!(FAN_OUT_KINDS as readonly string[]).includes(kind)) throw new Error(`server kind must be ${FAN_OUT_KINDS.join(' or ')}, got ${kind}`);
  assertDescriptors(clients + 200);
  let server: FanOutServer | undefined;
  let baseline: MemoryReading | undefined;
  let cpuAtPublish: NodeJS.CpuUsage | undefined;
  let next = 1;
  const started = () => {
    if (server === undefined) throw new Error('not started');
    return server;
  };

  serveCommands(
    {
      start: async () => {
        server = kind === 'bare' ? await bareBroadcastServer() : await orderlyHubServer();
        return { port: server.port, clientPath: server.clientPath, subscribes: server.subscribes };
      },
      /** Before any client connects: the reading the per-connection figures subtract. */
      mark: async () => {
        baseline = await settledMemory();
        return baseline;
      },
      connections: () => started().connections,
      /** After every client has connected (and subscribed): the growth since `mark`. */
      memory: async () => {
        if (baseline === undefined) throw new Error('memory before mark');
        const now = await settledMemory();
        return { rssBytes: now.rssBytes - baseline.rssBytes, heapBytes: now.heapBytes - baseline.heapBytes } satisfies MemoryReading;
      },
      publish: async (args) => {
        const { count, intervalMs } = args as PublishArgs;
        const target = started();
        cpuAtPublish = process.cpuUsage();
        const begin = performance.now();
        for (let i = 0; i < count; i++) {
          // Each message fans out in its own turn of the event loop, so sockets get written between them.
          const wait = intervalMs === 0 ? 0 : begin + i * intervalMs - performance.now();
          await new Promise((resolve) => (wait <= 0 ? setImmediate(resolve) : setTimeout(resolve, wait)));
          target.publish(next++);
        }
        return null;
      },
      /** CPU seconds (user + system) of this process since the last `publish` began. */
      cpu: () => {
        if (cpuAtPublish === undefined) throw new Error('cpu before publish');
        const used = process.cpuUsage(cpuAtPublish);
        return (used.user + used.system) / 1e6;
      },
      problems: () => started().problems(),
    },
    async () => {
      await server?.close();
    },
  );
}

