import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IllegalTaskTransitionError,
  TASK_STATUSES,
  TaskExistsError,
  TaskNotFoundError,
  TaskVersionConflictError,
  type TaskChanges,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
} from '../../src/actors/taskStore.js';
import { json, LEGAL, modelUpdate, taskOperation } from './taskStoreModel.js';

/** A store under test; `close` when it has one (the suite closes every store it opens). */
export type TaskStoreUnderTest = TaskStore & { close?(): Promise<void> };

export interface TaskStoreHarness {
  /** A store, on fresh or shared state, that keeps finished tasks for `retentionMs`. */
  open(options: { retentionMs: number }): Promise<TaskStoreUnderTest>;
  /** Lets `ms` pass for the stores opened: a fake clock moves, or real time is waited. */
  passTime(ms: number): Promise<void>;
  /** The retention the expiry tests use: short where time really has to pass. */
  readonly retentionMs: number;
  /** A task id no other test uses. */
  unique(): string;
}

/** How to reach each status from a new task. */
const PATH: Record<TaskStatus, TaskStatus[]> = { queued: [], running: ['running'], succeeded: ['running', 'succeeded'], failed: ['running', 'failed'], dead: ['dead'] };
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

export const newTask = (taskId: string, payload: TaskRecord['payload'] = { orderId: 'o-1', to: 'ü@例え.jp' }): TaskRecord => ({
  taskId,
  type: 'email',
  status: 'queued',
  attempts: 0,
  payload,
  createdAt: at(0),
  updatedAt: at(0),
  version: 1,
});

/**
 * The `TaskStore` contract, run against every store: the job workers rely on its
 * compare-and-set and on its refusal of illegal moves to run each task to one end.
 */
export function taskStoreContract(name: string, harness: TaskStoreHarness): void {
  const { unique } = harness;
  const withStore = async (run: (store: TaskStore) => Promise<void>, retentionMs = 86_400_000) => {
    const store = await harness.open({ retentionMs });
    try {
      await run(store);
    } finally {
      await store.close?.();
    }
  };
  /** Creates a task and moves it along `PATH` to `status`; resolves with the stored record. */
  const reach = async (store: TaskStore, taskId: string, status: TaskStatus): Promise<TaskRecord> => {
    await store.create(newTask(taskId));
    let record = newTask(taskId);
    for (const [i, next] of PATH[status].entries()) record = await store.update(taskId, record.version, { status: next, updatedAt: at(i + 1) });
    return record;
  };

  describe(`${name} - task store contract`, () => {
    it('gets nothing for a task never created', () =>
      withStore(async (store) => {
        expect(await store.get(unique())).toBeUndefined();
      }));

    it('creates a task and gets it back, any JSON payload and any text included', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(json(3), fc.string({ unit: 'binary', maxLength: 20 }), async (payload, text) => {
            const record = { ...newTask(unique() + text, payload), type: text };
            await store.create(record);
            // What JSON gives back: -0 is 0 there, the one value JSON does not keep.
            expect(await store.get(record.taskId)).toEqual(JSON.parse(JSON.stringify(record)));
          }),
          { numRuns: 40 },
        ),
      ));

    it('refuses to create an id that exists, and keeps the first', () =>
      withStore(async (store) => {
        const id = unique();
        await store.create(newTask(id));
        const again = await store.create({ ...newTask(id), type: 'report' }).catch((error: unknown) => error);
        expect(again).toBeInstanceOf(TaskExistsError);
        expect(again).toMatchObject({ taskId: id });
        expect(await store.get(id)).toEqual(newTask(id));
      }));

    it('creates only a queued task at version 1, and writes nothing otherwise', () =>
      withStore(async (store) => {
        const id = unique();
        await expect(store.create({ ...newTask(id), status: 'running' })).rejects.toBeInstanceOf(IllegalTaskTransitionError);
        await expect(store.create({ ...newTask(id), version: 2 })).rejects.toThrow(RangeError);
        await expect(store.create({ ...newTask(id), attempts: -1 })).rejects.toThrow(RangeError);
        expect(await store.get(id)).toBeUndefined();
      }));

    it('updates with compare-and-set and answers the record it stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.create(newTask(id));
        const running = await store.update(id, 1, { status: 'running', attempts: 1, updatedAt: at(1) });
        expect(running).toEqual({ ...newTask(id), status: 'running', attempts: 1, updatedAt: at(1), version: 2 });
        const failed = await store.update(id, 2, { status: 'failed', error: 'smtp down', updatedAt: at(2) });
        expect(failed).toMatchObject({ status: 'failed', error: 'smtp down', attempts: 1, version: 3 });
        // A retry clears the error by giving it as undefined.
        const requeued = await store.update(id, 3, { status: 'queued', error: undefined, updatedAt: at(3) });
        expect(requeued).not.toHaveProperty('error');
        await store.update(id, 4, { status: 'running', attempts: 2, updatedAt: at(4) });
        const done = await store.update(id, 5, { status: 'succeeded', result: { sent: true, ids: [] }, updatedAt: at(5) });
        expect(done).toEqual({ ...newTask(id), status: 'succeeded', attempts: 2, result: { sent: true, ids: [] }, updatedAt: at(5), version: 6 });
        expect(await store.get(id)).toEqual(done);
      }));

    it('never changes the id, type, payload or creation time', () =>
      withStore(async (store) => {
        const id = unique();
        await store.create(newTask(id));
        const sneaky = { status: 'running', updatedAt: at(1), taskId: 'other', type: 'report', payload: 1, createdAt: at(9), version: 40 } as TaskChanges;
        expect(await store.update(id, 1, sneaky)).toEqual({ ...newTask(id), status: 'running', updatedAt: at(1), version: 2 });
        expect(await store.get('other')).toBeUndefined();
      }));

    it('hands out copies: changing a record it gave changes nothing stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.create(newTask(id));
        const loaded = (await store.get(id)) as unknown as { payload: Record<string, unknown> };
        loaded.payload.orderId = 'mutated';
        expect(await store.get(id)).toEqual(newTask(id));
      }));

    it('refuses a stale expected version and an unknown task, and keeps what is stored', () =>
      withStore(async (store) => {
        const id = unique();
        await store.create(newTask(id));
        await store.update(id, 1, { status: 'running', updatedAt: at(1) });
        const conflict = await store.update(id, 1, { status: 'dead', updatedAt: at(2) }).catch((error: unknown) => error);
        expect(conflict).toBeInstanceOf(TaskVersionConflictError);
        expect(conflict).toMatchObject({ taskId: id, expectedVersion: 1, actualVersion: 2 });
        await expect(store.update(id, 3, { updatedAt: at(2) })).rejects.toThrow('expected version 3, store has 2');
        await expect(store.update(unique(), 1, { status: 'running', updatedAt: at(2) })).rejects.toBeInstanceOf(TaskNotFoundError);
        await expect(store.update(id, 0, { updatedAt: at(2) })).rejects.toThrow(RangeError);
        await expect(store.update(id, 2, { attempts: 1.5, updatedAt: at(2) })).rejects.toThrow(RangeError);
        expect(await store.get(id)).toEqual({ ...newTask(id), status: 'running', updatedAt: at(1), version: 2 });
      }));

    it('allows exactly the legal moves; nothing leaves succeeded or dead', () =>
      withStore(async (store) => {
        for (const from of TASK_STATUSES) {
          for (const to of TASK_STATUSES) {
            const id = unique();
            const before = await reach(store, id, from);
            const outcome = await store.update(id, before.version, { status: to, updatedAt: at(30) }).catch((error: unknown) => error);
            if (LEGAL.has(`${from}>${to}`)) {
              expect(outcome, `${from} → ${to}`).toMatchObject({ status: to, version: before.version + 1 });
            } else {
              expect(outcome, `${from} → ${to}`).toBeInstanceOf(IllegalTaskTransitionError);
              expect(outcome).toMatchObject({ taskId: id, from, to });
              expect(await store.get(id)).toEqual(before);
            }
          }
        }
        // Final means final: not even an update that keeps the status and changes the result.
        const id = unique();
        const done = await reach(store, id, 'succeeded');
        await expect(store.update(id, done.version, { result: 'other', updatedAt: at(31) })).rejects.toBeInstanceOf(IllegalTaskTransitionError);
      }));

    it('agrees with a reference model over any sequence of creates, updates and gets', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.array(taskOperation, { maxLength: 25 }), async (operations) => {
            const ids = [unique(), unique(), unique()];
            const model = new Map<string, TaskRecord>();
            for (const [step, op] of operations.entries()) {
              const id = ids[op.task]!;
              const stored = model.get(id);
              if (op.kind === 'get') {
                expect(await store.get(id)).toEqual(stored);
              } else if (op.kind === 'create') {
                const outcome = await store.create(newTask(id)).then(() => 'created', (error: unknown) => error);
                if (stored) expect(outcome).toBeInstanceOf(TaskExistsError);
                else {
                  expect(outcome).toBe('created');
                  model.set(id, newTask(id));
                }
              } else {
                const expected = Math.max(1, (stored?.version ?? 1) + op.versionOffset);
                const changes: TaskChanges = { ...op.changes, updatedAt: at(step) };
                const outcome = await store.update(id, expected, changes).catch((error: unknown) => error);
                if (!stored) expect(outcome).toBeInstanceOf(TaskNotFoundError);
                else if (stored.version !== expected) expect(outcome).toMatchObject({ name: 'TaskVersionConflictError', actualVersion: stored.version });
                else if (!LEGAL.has(`${stored.status}>${changes.status ?? stored.status}`)) expect(outcome).toBeInstanceOf(IllegalTaskTransitionError);
                else {
                  const next = modelUpdate(stored, changes);
                  expect(outcome).toEqual(next);
                  model.set(id, next);
                }
              }
            }
            for (const id of ids) expect(await store.get(id)).toEqual(model.get(id));
          }),
          { numRuns: 40 },
        ),
      ));

    it('lets exactly one of many concurrent updates of the same version win', () =>
      withStore((store) =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 2, max: 40 }), async (count) => {
            const id = unique();
            await store.create(newTask(id));
            const racers = Array.from({ length: count }, (_, i) => store.update(id, 1, { status: 'running', attempts: i, updatedAt: at(1) }));
            const results = await Promise.allSettled(racers);
            const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
            expect(winners).toHaveLength(1);
            for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ name: 'TaskVersionConflictError', actualVersion: 2 });
            expect(await store.get(id)).toMatchObject({ version: 2, attempts: winners[0] });
          }),
          { numRuns: 10, examples: [[40]] },
        ),
      ));

    it('forgets a finished task after the retention, and keeps active and retried ones', () =>
      withStore(async (store) => {
        const { retentionMs } = harness;
        const [active, done, dead, retried] = [unique(), unique(), unique(), unique()];
        await reach(store, active, 'running');
        await reach(store, done, 'succeeded');
        await reach(store, dead, 'dead');
        const failed = await reach(store, retried, 'failed');
        await store.update(retried, failed.version, { status: 'queued', updatedAt: at(9) });
        expect(await store.get(done)).toMatchObject({ status: 'succeeded' }); // still within the retention
        await harness.passTime(retentionMs + Math.ceil(retentionMs / 4));
        expect(await store.get(done)).toBeUndefined();
        expect(await store.get(dead)).toBeUndefined();
        await expect(store.update(done, 3, { updatedAt: at(10) })).rejects.toBeInstanceOf(TaskNotFoundError);
        expect(await store.get(active)).toMatchObject({ status: 'running' });
        expect(await store.get(retried)).toMatchObject({ status: 'queued' });
        // A forgotten id may be used again.
        await store.create(newTask(done));
        expect(await store.get(done)).toEqual(newTask(done));
      }, harness.retentionMs));
  });
}
