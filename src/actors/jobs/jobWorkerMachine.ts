import { assign, fromPromise, setup } from 'xstate';
import type { Clock } from '../../domain/clock.js';
import type { DeadLetterCode } from '../../streams/delivery.js';
import { TaskExistsError, TaskVersionConflictError, type TaskChanges, type TaskJson, type TaskRecord, type TaskStore } from '../taskStore.js';
import { PermanentTaskError, type JobHandler } from './jobHandler.js';
import type { JobOutcome } from './jobOutcome.js';
import { moveTask } from './moveTask.js';
import type { TaskMessage } from './taskMessage.js';
import { inputOf, ownedPayload, ownerOf } from './taskOwnership.js';
import { isFinalTaskStatus, writeTask, type TaskWrite } from './writeTask.js';

/** What every job worker shares, handed in by the pool. */
export interface JobWorkerDeps {
  readonly store: TaskStore;
  /** Handlers by task type; a type without one is dead-lettered at once. */
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly clock: Clock;
  /** Runs started (crashed ones included) after which a failing task is `dead`. */
  readonly maxAttempts: number;
  /** Backoff before the run after `attempt` failed. */
  readonly retryDelay: (attempt: number) => number;
  /** Told every stored change of a task (running, succeeded, failed, dead), for progress. Must not throw. */
  readonly onChange?: (record: TaskRecord) => void;
}

export interface JobWorkerInput {
  readonly task: TaskMessage;
  readonly deps: JobWorkerDeps;
}

interface Failure {
  readonly code: DeadLetterCode;
  readonly message: string;
  readonly error?: string;
}

interface JobWorkerContext {
  readonly task: TaskMessage;
  readonly deps: JobWorkerDeps;
  readonly record?: TaskRecord;
  readonly result?: TaskJson;
  readonly failure?: Failure;
  readonly conflicts: number;
  readonly outcome?: JobOutcome;
}

/** Claim conflicts (another worker moved the task between our read and write) before handing the delivery back. */
const MAX_CLAIM_CONFLICTS = 3;

const stamp = (clock: Clock) => new Date(clock.now()).toISOString();
const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The stored task, or a new `queued` one made from the message (a producer that published it directly). */
async function loadOrCreate({ store, clock }: JobWorkerDeps, task: TaskMessage): Promise<TaskRecord> {
  const stored = await store.get(task.taskId);
  if (stored) return stored;
  const now = stamp(clock);
  const record: TaskRecord = { taskId: task.taskId, type: task.type, status: 'queued', attempts: 0, payload: ownedPayload(task.ownerId, task.payload), createdAt: now, updatedAt: now, version: 1 };
  try {
    await store.create(record);
    return record;
  } catch (error) {
    if (!(error instanceof TaskExistsError)) throw error;
    const raced = await store.get(task.taskId);
    if (!raced) throw error;
    return raced;
  }
}

/** Progress is best effort: a listener that throws must not change what happens to the task. */
function announce(context: JobWorkerContext): void {
  if (!context.record) return;
  try {
    context.deps.onChange?.(context.record);
  } catch {
    // ignored on purpose; see above
  }
}

const handBack = (context: JobWorkerContext): JobOutcome => ({ kind: 'retry', delayMs: context.deps.retryDelay(Math.max(1, context.record?.attempts ?? 1)) });

/**
 * One run of one task, from its delivery to the outcome its delivery is settled with. Every step
 * that changes the task is a compare-and-set in the task store, made before the outcome, so a
 * crash anywhere leaves a task the redelivery takes over (`running` → `running`, one attempt
 * more) and a duplicate delivery finds the task finished and only acks.
 *
 * loading → deciding → claiming → running → succeeding | failing | markingDead → done (output:
 * the `JobOutcome`). A store that fails hands the delivery back with backoff; the task keeps the
 * last state that was stored.
 */
export const jobWorkerMachine = setup({
  types: {} as { input: JobWorkerInput; context: JobWorkerContext; output: JobOutcome },
  actors: {
    loadTask: fromPromise<TaskRecord, { deps: JobWorkerDeps; task: TaskMessage }>(({ input }) => loadOrCreate(input.deps, input.task)),
    claimTask: fromPromise<TaskRecord, { deps: JobWorkerDeps; record: TaskRecord }>(({ input: { deps, record } }) =>
      moveTask(deps.store, record, { status: 'running', attempts: record.attempts + 1, error: undefined, updatedAt: stamp(deps.clock) }),
    ),
    runHandler: fromPromise<TaskJson, { deps: JobWorkerDeps; record: TaskRecord }>(async ({ input: { deps, record }, signal }) => {
      const handler = deps.handlers[record.type]!;
      return handler.run(inputOf(record), { taskId: record.taskId, type: record.type, ownerId: ownerOf(record), attempt: record.attempts, signal });
    }),
    writeTask: fromPromise<TaskWrite, { deps: JobWorkerDeps; record: TaskRecord; changes: Omit<TaskChanges, 'updatedAt'> }>(({ input: { deps, record, changes } }) =>
      writeTask(deps.store, record, { ...changes, updatedAt: stamp(deps.clock) }),
    ),
  },
  guards: {
    isFinal: ({ context }) => isFinalTaskStatus(context.record!.status),
    hasNoHandler: ({ context }) => !Object.hasOwn(context.deps.handlers, context.record!.type),
    outOfAttempts: ({ context }) => context.record!.attempts >= context.deps.maxAttempts,
    mayReload: ({ context, event }) => (event as { error?: unknown }).error instanceof TaskVersionConflictError && context.conflicts < MAX_CLAIM_CONFLICTS,
    isPermanent: ({ event }) => (event as { error?: unknown }).error instanceof PermanentTaskError,
    lastAttempt: ({ context }) => context.record!.attempts >= context.deps.maxAttempts,
  },
  actions: {
    announce: ({ context }) => announce(context),
    announceIfApplied: ({ context, event }) => {
      if ((event as { output?: TaskWrite }).output?.applied) announce(context);
    },
  },
}).createMachine({
  id: 'jobWorker',
  context: ({ input }) => ({ task: input.task, deps: input.deps, conflicts: 0 }),
  initial: 'loading',
  states: {
    loading: {
      invoke: {
        src: 'loadTask',
        input: ({ context }) => ({ deps: context.deps, task: context.task }),
        onDone: { target: 'deciding', actions: assign({ record: ({ event }) => event.output }) },
        onError: { target: 'done', actions: assign({ outcome: ({ context }) => handBack(context) }) },
      },
    },
    deciding: {
      always: [
        // A duplicate, or a redelivery after the outcome was stored but before the ack.
        { guard: 'isFinal', target: 'done', actions: assign({ outcome: { kind: 'ack' } }) },
        {
          guard: 'hasNoHandler',
          target: 'markingDead',
          actions: assign({ failure: ({ context }) => ({ code: 'unknown-type' as const, message: `no job handles tasks of type ${context.record!.type}` }) }),
        },
        // Every attempt was started already and the last one never finished (its worker crashed).
        {
          guard: 'outOfAttempts',
          target: 'markingDead',
          actions: assign({ failure: ({ context }) => ({ code: 'max-attempts' as const, message: `gave up after ${context.record!.attempts} attempts`, ...(context.record!.error ? { error: context.record!.error } : {}) }) }),
        },
        { target: 'claiming' },
      ],
    },
    claiming: {
      invoke: {
        src: 'claimTask',
        input: ({ context }) => ({ deps: context.deps, record: context.record! }),
        onDone: { target: 'running', actions: [assign({ record: ({ event }) => event.output }), 'announce'] },
        onError: [
          { guard: 'mayReload', target: 'loading', actions: assign({ conflicts: ({ context }) => context.conflicts + 1 }) },
          { target: 'done', actions: assign({ outcome: ({ context }) => handBack(context) }) },
        ],
      },
    },
    running: {
      invoke: {
        src: 'runHandler',
        input: ({ context }) => ({ deps: context.deps, record: context.record! }),
        onDone: { target: 'succeeding', actions: assign({ result: ({ event }) => event.output }) },
        onError: [
          {
            guard: 'isPermanent',
            target: 'markingDead',
            actions: assign({ failure: ({ event }) => ({ code: (event.error as PermanentTaskError).code, message: (event.error as PermanentTaskError).message, error: errorText(event.error) }) }),
          },
          {
            guard: 'lastAttempt',
            target: 'markingDead',
            actions: assign({ failure: ({ context, event }) => ({ code: 'max-attempts' as const, message: `gave up after ${context.record!.attempts} attempts`, error: errorText(event.error) }) }),
          },
          { target: 'failing', actions: assign({ failure: ({ event }) => ({ code: 'max-attempts' as const, message: 'attempt failed', error: errorText(event.error) }) }) },
        ],
      },
    },
    succeeding: {
      invoke: {
        src: 'writeTask',
        input: ({ context }) => ({ deps: context.deps, record: context.record!, changes: { status: 'succeeded', result: context.result ?? null, error: undefined } }),
        onDone: { target: 'done', actions: [assign({ record: ({ event }) => event.output.record, outcome: { kind: 'ack' } }), 'announceIfApplied'] },
        // The effect happened but its record did not: the redelivery runs it again (at least once).
        onError: { target: 'done', actions: assign({ outcome: ({ context }) => handBack(context) }) },
      },
    },
    failing: {
      invoke: {
        src: 'writeTask',
        input: ({ context }) => ({ deps: context.deps, record: context.record!, changes: { status: 'failed', error: context.failure!.error } }),
        onDone: {
          target: 'done',
          actions: [
            assign({
              record: ({ event }) => event.output.record,
              // Not applied: the task finished or was claimed again meanwhile, by a run that holds its own delivery.
              outcome: ({ context, event }) => (event.output.applied ? handBack(context) : { kind: 'ack' as const }),
            }),
            'announceIfApplied',
          ],
        },
        onError: { target: 'done', actions: assign({ outcome: ({ context }) => handBack(context) }) },
      },
    },
    markingDead: {
      invoke: {
        src: 'writeTask',
        input: ({ context }) => ({ deps: context.deps, record: context.record!, changes: { status: 'dead', error: context.failure!.error ?? context.failure!.message } }),
        onDone: {
          target: 'done',
          actions: [
            assign({
              record: ({ event }) => event.output.record,
              outcome: ({ context, event }) => {
                if (!event.output.applied) return { kind: 'ack' as const };
                const { code, message, error } = context.failure!;
                return { kind: 'deadLetter' as const, reason: { code, message, attempts: event.output.record.attempts, ...(error === undefined ? {} : { error }) } };
              },
            }),
            'announceIfApplied',
          ],
        },
        onError: { target: 'done', actions: assign({ outcome: ({ context }) => handBack(context) }) },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.outcome ?? handBack(context),
});
