import { afterEach, describe, expect, it } from 'vitest';
import { PermanentTaskError, type JobHandler } from '../../../src/actors/jobs/jobHandler.js';
import { jobPoolHarness, settled, until, type Harness } from './jobPoolHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.pool.abandon();
  await h?.broker.close();
});

describe('job pool - failures', () => {
  it('retries a transient failure with backoff, then marks the task dead and dead-letters it', async () => {
    const attempts: number[] = [];
    const email: JobHandler = {
      run: async (_input, context) => {
        attempts.push(context.attempt);
        throw new Error('smtp busy');
      },
    };
    h = jobPoolHarness({ email }, { maxAttempts: 3 });
    const harness = h;
    h.pool.start();
    const { taskId } = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    await until(() => attempts.length === 1 && harness.pool.stats.retried === 1);
    expect(await h.status(taskId)).toMatchObject({ status: 'failed', attempts: 1, error: 'Error: smtp busy' });
    // Nothing runs again before the backoff is over.
    h.clock.advance(99);
    await settled();
    expect(attempts).toEqual([1]);
    h.clock.advance(1);
    await until(() => attempts.length === 2 && harness.pool.stats.retried === 2);
    h.clock.advance(100);
    await until(() => harness.pool.stats.deadLettered === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await h.status(taskId)).toMatchObject({ status: 'dead', attempts: 3, error: 'Error: smtp busy' });
    expect(h.deadLetters('email')).toBe(1);
    expect(h.changes.filter((c) => c.taskId === taskId).map((c) => c.status)).toEqual(['queued', 'running', 'failed', 'running', 'failed', 'running', 'dead']);
  });

  it('dead-letters a task of an unknown type at once, without running anything', async () => {
    h = jobPoolHarness({}, { channels: ['fax'] });
    const harness = h;
    h.pool.start();
    const { taskId } = await h.enqueue({ type: 'fax', ownerId: 'u1', payload: {} });
    await until(() => harness.pool.stats.deadLettered === 1);
    expect(await h.status(taskId)).toMatchObject({ status: 'dead', attempts: 0, error: 'no job handles tasks of type fax' });
    expect(h.deadLetters('fax')).toBe(1);
    expect(h.pool.stats.retried).toBe(0);
  });

  it('dead-letters a permanent failure (invalid payload) at once', async () => {
    let calls = 0;
    const report: JobHandler = {
      run: async () => {
        calls++;
        throw new PermanentTaskError('invalid report payload: from: must be a date');
      },
    };
    h = jobPoolHarness({ report }, { maxAttempts: 5 });
    const harness = h;
    h.pool.start();
    const { taskId } = await h.enqueue({ type: 'report', ownerId: 'admin', payload: { from: 'yesterday' } });
    await until(() => harness.pool.stats.deadLettered === 1);
    expect(calls).toBe(1);
    expect(await h.status(taskId)).toMatchObject({ status: 'dead', attempts: 1 });
    expect(h.clock.pending).toBe(0);
  });

  it('dead-letters a message that is not a task message', async () => {
    h = jobPoolHarness({ email: { run: async () => null } });
    const harness = h;
    h.pool.start();
    await h.broker.publish('email', { body: new TextEncoder().encode('not json'), headers: {}, key: 'k' });
    await until(() => harness.pool.stats.deadLettered === 1);
    expect(h.deadLetters('email')).toBe(1);
  });

  it('hands the delivery back when the task store fails, and runs the task once it works again', async () => {
    let calls = 0;
    h = jobPoolHarness({ email: { run: async () => ({ call: ++calls }) } });
    const harness = h;
    const { taskId } = await h.enqueue({ type: 'email', ownerId: 'u1', payload: {} });
    const get = h.store.get.bind(h.store);
    let broken = true;
    h.store.get = async (id) => {
      if (broken) throw new Error('store down');
      return get(id);
    };
    h.pool.start();
    await until(() => harness.pool.stats.retried === 1);
    expect(calls).toBe(0);
    broken = false;
    h.clock.advance(100);
    await until(() => harness.pool.stats.acked === 1);
    expect(await get(taskId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
