import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJobPool, type JobPool } from '../../src/actors/jobs/createJobPool.js';
import { createTaskEnqueuer } from '../../src/actors/jobs/enqueueTask.js';
import { PermanentTaskError, type JobHandler } from '../../src/actors/jobs/jobHandler.js';
import { encodeTaskMessage } from '../../src/actors/jobs/taskMessage.js';
import { isFinalTaskStatus } from '../../src/actors/jobs/writeTask.js';
import type { TaskStore } from '../../src/actors/taskStore.js';
import { createMemoryBroker } from '../../src/gateways/memory/index.js';
import { createMemoryTaskStore } from '../../src/gateways/memory/createMemoryTaskStore.js';

type Behaviour = { kind: 'succeed' } | { kind: 'flaky'; failures: number } | { kind: 'alwaysFail' } | { kind: 'permanent' };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constant({ kind: 'succeed' as const }),
  fc.integer({ min: 1, max: 3 }).map((failures) => ({ kind: 'flaky' as const, failures })),
  fc.constant({ kind: 'alwaysFail' as const }),
  fc.constant({ kind: 'permanent' as const }),
);

const scenario = fc.record({
  tasks: fc.array(fc.record({ behaviour, duplicates: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 6 }),
  /** Store updates after which a pool process dies (abandoned like `kill -9`) and a new one starts. */
  crashes: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
  /** Store updates whose reply is lost although the write happened (a timeout after the commit). */
  lostReplies: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
  pools: fc.integer({ min: 1, max: 2 }),
});

const MAX_ATTEMPTS = 10; // above failures + crashes + lost replies, so a flaky task always succeeds

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('jobs - every accepted task ends exactly once in a final state', () => {
  it('whatever crashes, lost store replies, duplicate deliveries and competing pools', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ tasks, crashes, lostReplies, pools: poolCount }) => {
        const broker = createMemoryBroker();
        const inner = createMemoryTaskStore();
        const finals = new Map<string, number>();
        let updates = 0;
        let crash = () => undefined as void;
        const store: TaskStore = {
          create: (record) => inner.create(record),
          get: (taskId) => inner.get(taskId),
          async update(taskId, version, changes) {
            const record = await inner.update(taskId, version, changes);
            if (isFinalTaskStatus(record.status)) finals.set(taskId, (finals.get(taskId) ?? 0) + 1);
            updates++;
            if (crashes.includes(updates)) crash();
            if (lostReplies.includes(updates)) throw new Error('injected: reply lost after the write');
            return record;
          },
        };
        const runs = new Map<string, number>();
        const handler: JobHandler = {
          async run(input) {
            const { index } = input as { index: number };
            const b = tasks[index]!.behaviour;
            const run = (runs.get(String(index)) ?? 0) + 1;
            runs.set(String(index), run);
            await sleep(Math.floor(Math.random() * 3));
            if (b.kind === 'permanent') throw new PermanentTaskError('invalid payload');
            if (b.kind === 'alwaysFail' || (b.kind === 'flaky' && run <= b.failures)) throw new Error('transient');
            return { index };
          },
        };
        const newPool = (): JobPool => {
          const pool = createJobPool({ channels: ['work'], concurrency: 2, credit: 4, maxAttempts: MAX_ATTEMPTS }, { source: broker, store, handlers: { work: handler }, retryDelay: () => 1 });
          pool.start();
          return pool;
        };
        const pools = Array.from({ length: poolCount }, newPool);
        crash = () => {
          pools.shift()!.abandon();
          pools.push(newPool());
        };
        const enqueue = createTaskEnqueuer({ store: inner, sink: broker, channelOf: () => 'work' });
        const ids: string[] = [];
        for (const [index, task] of tasks.entries()) {
          const record = await enqueue({ type: 'work', ownerId: 'u1', payload: { index } });
          ids.push(record.taskId);
          for (let d = 0; d < task.duplicates; d++) {
            await broker.publish('work', encodeTaskMessage({ taskId: record.taskId, type: 'work', ownerId: 'u1', payload: { index } }));
          }
        }
        try {
          for (let i = 0; i < 1_000; i++) {
            const stored = await Promise.all(ids.map((id) => inner.get(id)));
            if (stored.every((r) => r && isFinalTaskStatus(r.status)) && broker.depth('work', 'orderly-jobs') === 0) break;
            await sleep(5);
          }
          for (const [index, task] of tasks.entries()) {
            const record = await inner.get(ids[index]!);
            const expected = task.behaviour.kind === 'succeed' || task.behaviour.kind === 'flaky' ? 'succeeded' : 'dead';
            expect(record?.status, `task ${index} (${task.behaviour.kind})`).toBe(expected);
            expect(finals.get(ids[index]!), `final writes of task ${index}`).toBe(1);
          }
          expect(broker.depth('work', 'orderly-jobs'), 'every delivery settled').toBe(0);
        } finally {
          for (const pool of pools) pool.abandon();
          await broker.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
