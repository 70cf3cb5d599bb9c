import { createJobPool, type JobPool } from '../../../src/actors/jobs/createJobPool.js';
import { createTaskEnqueuer, type TaskEnqueuer } from '../../../src/actors/jobs/enqueueTask.js';
import type { JobHandler } from '../../../src/actors/jobs/jobHandler.js';
import type { JobPoolOptions } from '../../../src/actors/jobs/jobPoolOptions.js';
import type { TaskRecord } from '../../../src/actors/taskStore.js';
import { createMemoryBroker, type MemoryBroker } from '../../../src/gateways/memory/index.js';
import { createMemoryTaskStore, type MemoryTaskStore } from '../../../src/gateways/memory/createMemoryTaskStore.js';
import { FakeClock } from '../../support/fakeClock.js';

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Flushes until `check` holds (or throws after `rounds`): the pool's steps are promise chains. */
export async function until(check: () => boolean, rounds = 500): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (check()) return;
    await flush();
  }
  throw new Error('condition not reached');
}

/** Lets every pending promise chain run (a few dozen turns of the event loop). */
export async function settled(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await flush();
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface Harness {
  /** The broker's and the store's clock: retry delays run on it. */
  readonly clock: FakeClock;
  /** The pool's own clock (drain deadline, timestamps): what "no timer left" is checked on. */
  readonly poolClock: FakeClock;
  readonly broker: MemoryBroker;
  readonly store: MemoryTaskStore;
  readonly pool: JobPool;
  readonly enqueue: TaskEnqueuer;
  readonly changes: TaskRecord[];
  status(taskId: string): Promise<TaskRecord | undefined>;
  /** Messages parked on a channel's dead-letter channel so far. */
  deadLetters(channel: string): number;
}

/** A pool on the embedded broker and task store with a fake clock; retry delay 100 ms, no jitter. */
export function jobPoolHarness(handlers: Record<string, JobHandler>, options: Partial<JobPoolOptions> = {}, hooks: { onChange?: (record: TaskRecord) => void } = {}): Harness {
  const clock = new FakeClock();
  const poolClock = new FakeClock();
  const broker = createMemoryBroker({ clock });
  const store = createMemoryTaskStore({}, { clock });
  const changes: TaskRecord[] = [];
  const onChange = (record: TaskRecord) => {
    changes.push(record);
    hooks.onChange?.(record);
  };
  const pool = createJobPool(
    { channels: Object.keys(handlers).length > 0 ? Object.keys(handlers) : ['fax'], concurrency: 2, maxAttempts: 3, ...options },
    { source: broker, store, handlers, clock: poolClock, retryDelay: () => 100, onChange },
  );
  const enqueue = createTaskEnqueuer({ store, sink: broker, channelOf: (type) => type, clock, onChange });
  return {
    clock,
    poolClock,
    broker,
    store,
    pool,
    enqueue,
    changes,
    status: (taskId) => store.get(taskId),
    deadLetters: (channel) => broker.depth(broker.deadLetterChannel(channel), 'test-inspector'),
  };
}
