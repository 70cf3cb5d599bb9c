import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import type { Subscription } from 'rxjs';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { Delivery } from '../../streams/delivery.js';
import type { LogPort } from '../../streams/logPort.js';
import type { Source } from '../../streams/source.js';
import type { TaskRecord, TaskStore } from '../taskStore.js';
import { decodeTaskMessage } from './decodeTaskMessage.js';
import type { JobHandler } from './jobHandler.js';
import { settleJob, type JobOutcome } from './jobOutcome.js';
import { resolveJobPoolOptions, type JobPoolOptions } from './jobPoolOptions.js';
import { jobWorkerMachine, type JobWorkerDeps } from './jobWorkerMachine.js';
import type { TaskMessage } from './taskMessage.js';

export interface JobPoolDeps {
  /** Where task messages come from (any broker gateway). */
  readonly source: Source;
  readonly store: TaskStore;
  /** Handlers by task type; a type without one is dead-lettered at once. */
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** Backoff before the run after `attempt` failed (e.g. `retrySchedule(...)`). */
  readonly retryDelay: (attempt: number) => number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Told every stored change of a task, for progress (the hub's `tasks:<id>`). Must not throw. */
  readonly onChange?: (record: TaskRecord) => void;
  /** Told when the source fails; the pool is `failed` then and its owner starts it again. */
  readonly onError?: (error: unknown) => void;
  readonly log?: LogPort;
  /** Inspection observer given to every worker actor (the Stately inspector, the dashboard). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** The worker's logic; tests swap parts of it with `jobWorkerMachine.provide(...)`. @default jobWorkerMachine */
  readonly logic?: typeof jobWorkerMachine;
}

export type JobPoolStatus = 'idle' | 'running' | 'draining' | 'failed' | 'stopped';

export interface JobPoolStats {
  /** Tasks whose worker actor is alive. */
  readonly running: number;
  /** Deliveries waiting for a worker. */
  readonly waiting: number;
  /** Most workers that were ever alive at once: what the concurrency test reads. */
  readonly peakRunning: number;
  readonly acked: number;
  readonly retried: number;
  readonly deadLettered: number;
}

export interface JobPool {
  readonly status: JobPoolStatus;
  readonly stats: JobPoolStats;
  /**
   * Subscribes to the source and runs tasks. Returns the cleanup (as `fromCallback` wants it):
   * `abandon`. Throws `JobPoolStateError` while running or draining; a `failed` or stopped pool
   * may be started again.
   */
  start(hooks?: { onError?: (error: unknown) => void }): () => void;
  /**
   * Stops fetching, hands back what waits for a worker, and lets running tasks finish and settle
   * for up to `timeoutMs`; then unsubscribes (a task still running is abandoned: its delivery goes
   * back to the broker and is taken over on redelivery). Resolves true if everything finished in
   * time. Leaves no timer behind. Idempotent while draining.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Like a crash: unsubscribes at once, stops every worker, settles nothing. Idempotent. */
  abandon(): void;
}

interface Run {
  readonly task: TaskMessage;
  readonly delivery: Delivery;
  actor?: Actor<typeof jobWorkerMachine>;
  abandoned: boolean;
}

/**
 * The job-worker pool: one XState worker actor per running task, at most `concurrency` of them;
 * deliveries beyond wait in a FIFO bounded by the credit (the broker never hands out more). Two
 * deliveries of one task never run at once: the second waits and then finds the task finished.
 * Each worker's outcome settles its delivery only after the task's new state is stored.
 */
export function createJobPool(options: JobPoolOptions, deps: JobPoolDeps): JobPool {
  const config = resolveJobPoolOptions(options);
  const clock = deps.clock ?? systemClock;
  const logic = deps.logic ?? jobWorkerMachine;
  const workerDeps: JobWorkerDeps = {
    store: deps.store,
    handlers: deps.handlers,
    clock,
    maxAttempts: config.maxAttempts,
    retryDelay: deps.retryDelay,
    ...(deps.onChange ? { onChange: deps.onChange } : {}),
  };

  let status: JobPoolStatus = 'idle';
  let subscription: Subscription | undefined;
  let intake: AbortController | undefined;
  let onError = deps.onError;
  const running = new Map<string, Run>();
  let waiting: Run[] = [];
  const settling = new Set<Promise<void>>();
  let draining: Promise<boolean> | undefined;
  /** Ends a drain in progress: true when everything finished and settled. */
  let endDrain: ((finished: boolean) => void) | undefined;
  const counts = { peakRunning: 0, acked: 0, retried: 0, deadLettered: 0 };

  const typeOf = (channel: string) => (channel.startsWith(config.channelPrefix) ? channel.slice(config.channelPrefix.length) : channel);

  const settle = (delivery: Delivery, outcome: JobOutcome) => {
    if (outcome.kind === 'ack') counts.acked++;
    else if (outcome.kind === 'retry') counts.retried++;
    else counts.deadLettered++;
    const done = settleJob(delivery, outcome, config.redeliverDelayMs);
    // A retry holds its delivery until the delay is over; the drain does not wait for that (the
    // unsubscribe hands it back at once), only for acks and dead letters.
    if (outcome.kind === 'retry') return;
    settling.add(done);
    void done.then(() => {
      settling.delete(done);
      checkIdle();
    });
  };

  const checkIdle = () => {
    if (endDrain && running.size === 0 && settling.size === 0) endDrain(true);
  };

  const finish = (run: Run, outcome: JobOutcome) => {
    if (run.abandoned) return;
    running.delete(run.task.taskId);
    run.actor = undefined;
    settle(run.delivery, outcome);
    pump();
    checkIdle();
  };

  const startRun = (run: Run) => {
    const actor = createActor(logic, { input: { task: run.task, deps: workerDeps }, ...(deps.inspect ? { inspect: deps.inspect } : {}) });
    run.actor = actor;
    running.set(run.task.taskId, run);
    counts.peakRunning = Math.max(counts.peakRunning, running.size);
    actor.subscribe({
      complete: () => finish(run, actor.getSnapshot().output ?? { kind: 'retry', delayMs: deps.retryDelay(1) }),
      // A bug in the worker, never the task's fault: hand the delivery back.
      error: (error: unknown) => {
        deps.log?.error({ err: error, taskId: run.task.taskId }, 'job worker crashed; task handed back');
        finish(run, { kind: 'retry', delayMs: deps.retryDelay(1) });
      },
    });
    actor.start();
  };

  /** Starts waiting runs while there is room, skipping tasks that already run. Safe to re-enter. */
  const pump = () => {
    while (status === 'running' && running.size < config.concurrency) {
      const index = waiting.findIndex((run) => !running.has(run.task.taskId));
      if (index < 0) return;
      const [run] = waiting.splice(index, 1);
      startRun(run!);
    }
  };

  const accept = (delivery: Delivery) => {
    const decoded = decodeTaskMessage(delivery.message, typeOf(delivery.origin.channel), config.maxBodyBytes);
    if (!decoded.ok) {
      settle(delivery, { kind: 'deadLetter', reason: { code: 'decode', message: decoded.message, attempts: delivery.origin.attempt } });
      return;
    }
    if (status !== 'running' || waiting.length >= config.credit) {
      // A source past its credit, or one still emitting while draining: not ours to run now.
      settle(delivery, { kind: 'retry', delayMs: status === 'running' ? config.redeliverDelayMs : 0 });
      return;
    }
    waiting.push({ task: decoded.task, delivery, abandoned: false });
    pump();
  };

  const unsubscribe = () => {
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const abandon = () => {
    const cutShort = running.size > 0 || settling.size > 0;
    unsubscribe();
    intake?.abort();
    for (const run of running.values()) {
      run.abandoned = true;
      run.actor?.stop();
    }
    running.clear();
    waiting = [];
    if (status !== 'failed') status = 'stopped';
    endDrain?.(!cutShort);
  };

  const start = (hooks: { onError?: (error: unknown) => void } = {}) => {
    if (status === 'running' || status === 'draining') throw new JobPoolStateError(`cannot start a ${status} pool`);
    onError = hooks.onError ?? deps.onError;
    status = 'running';
    draining = undefined;
    intake = new AbortController();
    subscription = deps.source.consume({ channels: config.channels, group: config.group, credit: config.credit, signal: intake.signal }).subscribe({
      next: accept,
      error: (error: unknown) => {
        // Deliveries already emitted were taken back with the failed subscription; running
        // workers still store their task's state, and the redelivery finds it.
        status = 'failed';
        waiting = [];
        subscription = undefined;
        deps.log?.warn({ err: error }, 'job pool source failed');
        onError?.(error);
      },
    });
    return abandon;
  };

  const drain = (timeoutMs: number) => {
    if (draining) return draining;
    if (status !== 'running' && status !== 'failed') {
      abandon();
      return Promise.resolve(true);
    }
    status = 'draining';
    intake?.abort();
    const handedBack = waiting;
    waiting = [];
    for (const run of handedBack) settle(run.delivery, { kind: 'retry', delayMs: 0 });
    draining = new Promise<boolean>((resolve) => {
      let timer: TimerHandle | undefined;
      const end = (finished: boolean) => {
        endDrain = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        abandon();
        status = 'stopped';
        resolve(finished);
      };
      endDrain = end;
      timer = clock.setTimeout(() => end(false), Math.max(0, timeoutMs));
      checkIdle();
    });
    return draining;
  };

  return {
    get status() {
      return status;
    },
    get stats() {
      return { running: running.size, waiting: waiting.length, ...counts };
    },
    start,
    drain,
    abandon,
  };
}

/** `start` was called on a pool that is running or draining. */
export class JobPoolStateError extends Error {
  override readonly name = 'JobPoolStateError';
}
