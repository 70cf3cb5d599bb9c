import { afterEach, describe, expect, it } from 'vitest';
import type { JobHandler } from '../../../src/actors/jobs/jobHandler.js';
import { deferred, jobPoolHarness, until, type Harness } from './jobPoolHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.pool.abandon();
  await h?.broker.close();
});

describe('job pool - concurrency', () => {
  it('never runs more than `concurrency` tasks at once, and runs them all', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    let live = 0;
    let peak = 0;
    const email: JobHandler = {
      async run(_input, context) {
        live++;
        peak = Math.max(peak, live);
        const gate = deferred();
        gates.set(context.taskId, gate);
        await gate.promise;
        live--;
        return { ok: context.taskId };
      },
    };
    h = jobPoolHarness({ email }, { concurrency: 2, credit: 8 });
    h.pool.start();
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await h.enqueue({ type: 'email', ownerId: 'u1', payload: { i } })).taskId);
    const harness = h;
    await until(() => gates.size === 2);
    expect(harness.pool.stats).toMatchObject({ running: 2, waiting: 4 });
    while (gates.size > 0 || harness.pool.stats.running > 0) {
      for (const [id, gate] of gates) {
        gates.delete(id);
        gate.resolve();
      }
      await until(() => gates.size > 0 || harness.pool.stats.running === 0);
    }
    for (const id of ids) expect((await harness.status(id))?.status).toBe('succeeded');
    expect(peak).toBe(2);
    expect(harness.pool.stats.peakRunning).toBe(2);
    expect(harness.broker.depth('email', 'orderly-jobs')).toBe(0);
  });

  it('runs two deliveries of one task one after the other: the second finds it finished and only acks', async () => {
    let calls = 0;
    const email: JobHandler = { run: async () => ({ call: ++calls }) };
    h = jobPoolHarness({ email });
    const task = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    // The same message again, as a redelivering broker or a producer's retry would.
    const { encodeTaskMessage } = await import('../../../src/actors/jobs/taskMessage.js');
    await h.broker.publish('email', encodeTaskMessage({ taskId: task.taskId, type: 'email', ownerId: 'u1', payload: {} }));
    h.pool.start();
    const harness = h;
    await until(() => harness.pool.stats.acked === 2);
    expect(calls).toBe(1);
    expect(await harness.status(task.taskId)).toMatchObject({ status: 'succeeded', attempts: 1, result: { call: 1 } });
  });
});
