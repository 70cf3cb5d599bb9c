import { TaskProcess } from '../hub/childControl.js';
import { receiveTimeoutMs, type LatencySettings } from './latencySettings.js';
import type { PathKind } from './pathServer.js';
import type { PublishArgs, PublishResult } from './producerTask.js';
import type { Endpoint, ReceiveResult } from './receiverTask.js';

/** One measured phase of one path. */
export interface PathMeasurement {
  readonly kind: PathKind;
  /** Events per second offered; 0 for the saturation burst. */
  readonly ratePerSecond: number;
  readonly received: ReceiveResult;
  readonly published: PublishResult;
  /** CPU seconds of the path's server process per 1,000 events over the measured phase. */
  readonly serverCpuPerThousand: number;
}

const CONTROL_MS = 60_000;

/** The task processes running now, so that an interrupted parent can kill them. */
export const runningTasks = new Set<TaskProcess>();

function started(name: string, script: string, args: readonly string[]): TaskProcess {
  const task = new TaskProcess(name, script, args);
  runningTasks.add(task);
  return task;
}

/**
 * Fresh processes for the path's server, the receiver and the producer; the receiver connects,
 * `warmupOrders` go through unmeasured, then `orders` are measured, both at `ratePerSecond`
 * (0: as fast as the producer goes). Every process is stopped (killed past a grace period)
 * whatever happens; the caller deletes the run's keys.
 */
export async function runPath(script: string, settings: LatencySettings, kind: PathKind, runId: string, orders: number, ratePerSecond: number): Promise<PathMeasurement> {
  const tasks: TaskProcess[] = [];
  try {
    const server = started(`${kind} server`, script, ['server', kind, runId]);
    tasks.push(server);
    const endpoint = await server.request<Endpoint>('start', undefined, CONTROL_MS);
    const receiver = started(`${kind} receiver`, script, ['receiver']);
    const producer = started(`${kind} producer`, script, ['producer']);
    tasks.push(receiver, producer);
    await receiver.request('connect', endpoint, CONTROL_MS);

    const phase = async (firstOrder: number, count: number): Promise<Omit<PathMeasurement, 'kind' | 'ratePerSecond'>> => {
      const events = count * 2;
      await receiver.request('expect', { events }, CONTROL_MS);
      const cpuBefore = await server.request<number>('cpu', undefined, CONTROL_MS);
      const publishMs = ratePerSecond === 0 ? 0 : (events / ratePerSecond) * 1000;
      const timeoutMs = receiveTimeoutMs(events) + publishMs;
      const args: PublishArgs = { runId, firstOrder, orders: count, ratePerSecond };
      const [received, published] = await Promise.all([
        receiver.request<ReceiveResult>('results', { timeoutMs }, timeoutMs + CONTROL_MS),
        producer.request<PublishResult>('publish', args, timeoutMs + CONTROL_MS),
      ]);
      const cpuAfter = await server.request<number>('cpu', undefined, CONTROL_MS);
      return { received, published, serverCpuPerThousand: (cpuAfter - cpuBefore) / (events / 1000) };
    };
    await phase(0, settings.warmupOrders);
    const measured = await phase(settings.warmupOrders, orders);
    const problems = await server.request<string[]>('problems', undefined, CONTROL_MS);
    if (problems.length > 0) throw new Error(`${kind} server: ${problems.join('; ')}`);
    return { kind, ratePerSecond, ...measured };
  } finally {
    // Receiver and producer first, so the server's close finds its connection already gone.
    for (const task of tasks.slice(1)) await task.stop(15_000);
    if (tasks[0]) await tasks[0].stop(45_000);
    for (const task of tasks) runningTasks.delete(task);
  }
}
