import { afterEach, describe, expect, it } from 'vitest';
import type { JobHandler } from '../../../src/actors/jobs/jobHandler.js';
import { deferred, jobPoolHarness, settled, until, type Harness } from './jobPoolHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.pool.abandon();
  await h?.broker.close();
});

function gated() {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const handler: JobHandler = {
    async run() {
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      return 'done';
    },
  };
  return { gates, handler };
}

describe('job pool - drain and stop', () => {
  it('drain lets running tasks finish and settle, hands back what waits, and resolves true', async () => {
    const { gates, handler } = gated();
    h = jobPoolHarness({ email: handler }, { concurrency: 1, credit: 4 });
    const harness = h;
    h.pool.start();
    const first = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    const second = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    await until(() => gates.length === 1 && harness.pool.stats.waiting === 1);
    let drained: boolean | undefined;
    void h.pool.drain(5_000).then((ok) => (drained = ok));
    await until(() => harness.pool.status === 'draining');
    expect(drained).toBeUndefined();
    gates[0]!.resolve();
    await until(() => drained !== undefined);
    expect(drained).toBe(true);
    expect(h.pool.status).toBe('stopped');
    expect(await h.status(first.taskId)).toMatchObject({ status: 'succeeded' });
    // The waiting one never started: it is back at the broker, still queued.
    expect(await h.status(second.taskId)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(h.broker.depth('email', 'orderly-jobs')).toBe(1);
    expect(gates).toHaveLength(1);
    expect(h.poolClock.pending).toBe(0);
  });

  it('drain gives up at its deadline: the running task goes back to the broker and is taken over by the next pool', async () => {
    const { gates, handler } = gated();
    h = jobPoolHarness({ email: handler });
    const harness = h;
    h.pool.start();
    const task = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    await until(() => gates.length === 1);
    let drained: boolean | undefined;
    void h.pool.drain(1_000).then((ok) => (drained = ok));
    h.poolClock.advance(1_000);
    await until(() => drained !== undefined);
    expect(drained).toBe(false);
    expect(h.poolClock.pending).toBe(0);
    expect(await h.status(task.taskId)).toMatchObject({ status: 'running', attempts: 1 });
    expect(h.broker.depth('email', 'orderly-jobs')).toBe(1);

    // Started again (as a supervisor would): the redelivery takes the running task over.
    h.pool.start();
    await until(() => gates.length === 2);
    gates[1]!.resolve();
    await until(() => harness.pool.stats.acked === 1);
    expect(await h.status(task.taskId)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('stop leaves no timer behind, even with a retry waiting out its backoff', async () => {
    h = jobPoolHarness({ email: { run: async () => Promise.reject(new Error('flaky')) } });
    const harness = h;
    h.pool.start();
    await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    await until(() => harness.pool.stats.retried === 1);
    expect(h.clock.pending).toBe(1); // the broker's retry delay: the broker's own, it outlives any consumer
    expect(await h.pool.drain(1_000)).toBe(true);
    expect(h.poolClock.pending).toBe(0);
    expect(h.broker.depth('email', 'orderly-jobs')).toBe(1);
    await h.broker.close();
    expect(h.clock.pending).toBe(0);
  });

  it('the cleanup that start returns abandons like a crash: nothing settles, everything goes back', async () => {
    const { gates, handler } = gated();
    h = jobPoolHarness({ email: handler });
    const harness = h;
    const cleanup = h.pool.start();
    await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    await until(() => gates.length === 1);
    cleanup();
    gates[0]!.resolve();
    await settled();
    expect(harness.pool.status).toBe('stopped');
    expect(harness.pool.stats.acked).toBe(0);
    expect(h.broker.depth('email', 'orderly-jobs')).toBe(1);
    expect(h.poolClock.pending).toBe(0);
  });

  it('reports a failing source and may be started again', async () => {
    h = jobPoolHarness({ email: { run: async () => null } });
    const errors: unknown[] = [];
    const { Observable } = await import('rxjs');
    const { createJobPool } = await import('../../../src/actors/jobs/createJobPool.js');
    const pool = createJobPool(
      { channels: ['email'] },
      { source: { consume: () => new Observable((s) => s.error(new Error('connection lost'))) }, store: h.store, handlers: {}, retryDelay: () => 1, onError: (e) => errors.push(e) },
    );
    pool.start();
    expect(pool.status).toBe('failed');
    expect(errors).toHaveLength(1);
    expect(() => pool.start()).not.toThrow();
  });
});
