import type { ConnectArgs, PhaseResult } from './clientTask.js';
import { TaskProcess } from './childControl.js';
import type { FanOutKind } from './fanOutServer.js';
import { pacedIntervalMs, receiveTimeoutMs, type HubBenchSettings } from './hubBenchSettings.js';
import type { MemoryReading, PublishArgs } from './serverTask.js';

/** One measurement of one server at one size. */
export interface FanOutMeasurement {
  readonly kind: FanOutKind;
  readonly clients: number;
  /** How long the last nine tenths of the clients took to connect (and subscribe). */
  readonly connectSeconds: number;
  /**
   * Server growth per connection, after GC: from a tenth of the clients connected (and
   * subscribed) to all of them, divided by the connections added.
   */
  readonly memoryPerConnection: MemoryReading;
  /** As fast as the server goes: one message per turn of its event loop. */
  readonly burst: PhaseResult & { readonly serverCpuSeconds: number };
  /** At `pacedRate` deliveries per second, the same for both servers. */
  readonly paced: PhaseResult;
}

const CONTROL_MS = 60_000;

/** The task processes running now, so that an interrupted parent can kill them. */
export const runningTasks = new Set<TaskProcess>();

/**
 * Starts a fresh server process and a fresh client process, connects `clients` clients, reads
 * the server's memory, then fans out a warm-up, the burst and the paced phase; both processes
 * are stopped (killed past a grace period) whatever happens.
 */
export async function runFanOut(script: string, settings: HubBenchSettings, kind: FanOutKind, clients: number): Promise<FanOutMeasurement> {
  const server = new TaskProcess(`${kind} server`, script, ['server', kind, String(clients)]);
  runningTasks.add(server);
  let client: TaskProcess | undefined;
  try {
    const { port, clientPath, subscribes } = await server.request<{ port: number; clientPath: string; subscribes: boolean }>('start', undefined, CONTROL_MS);
    client = new TaskProcess(`${kind} clients`, script, ['clients', String(clients)]);
    runningTasks.add(client);
    // A tenth of the clients first, then the mark: what the first connections cost once (code run
    // for the first time, pools, the hub's own structures) stays out of the per-connection figure.
    const first = Math.max(1, Math.floor(clients / 10));
    const connect = (count: number) => {
      const timeoutMs = 60_000 + count * 10;
      const args: ConnectArgs = { count, port, path: clientPath, subscribes, concurrency: settings.concurrency, timeoutMs };
      return client!.request<{ seconds: number }>('connect', args, timeoutMs + CONTROL_MS);
    };
    await connect(first);
    await server.request('mark', undefined, CONTROL_MS);
    const { seconds: connectSeconds } = await connect(clients - first);
    const serverSees = await server.request<number>('connections', undefined, CONTROL_MS);
    if (serverSees !== clients) throw new Error(`${kind} server counts ${serverSees} connections, expected ${clients}`);
    const grown = await server.request<MemoryReading>('memory', undefined, CONTROL_MS);
    const memoryPerConnection = { rssBytes: grown.rssBytes / (clients - first), heapBytes: grown.heapBytes / (clients - first) };

    const phase = async (messages: number, intervalMs: number): Promise<PhaseResult> => {
      await client!.request('expect', { messages }, CONTROL_MS);
      const publishing = server.request('publish', { count: messages, intervalMs } satisfies PublishArgs, CONTROL_MS + messages * intervalMs);
      const timeoutMs = receiveTimeoutMs(clients * messages) + messages * intervalMs;
      const [result] = await Promise.all([client!.request<PhaseResult>('results', { timeoutMs }, timeoutMs + CONTROL_MS), publishing]);
      return result;
    };
    await phase(settings.warmup, 0);
    const burst = await phase(settings.messages, 0);
    const serverCpuSeconds = await server.request<number>('cpu', undefined, CONTROL_MS);
    const paced = await phase(settings.pacedMessages, pacedIntervalMs(settings, clients));
    const problems = await server.request<string[]>('problems', undefined, CONTROL_MS);
    if (problems.length > 0) throw new Error(`${kind} server: ${problems.join('; ')}`);
    return { kind, clients, connectSeconds, memoryPerConnection, burst: { ...burst, serverCpuSeconds }, paced };
  } finally {
    // Clients first, so the server's close finds its connections already gone.
    if (client) await client.stop(15_000);
    await server.stop(30_000);
    if (client) runningTasks.delete(client);
    runningTasks.delete(server);
  }
}
