import { describe, expect, it } from 'vitest';
import { createMemoryTaskStore, TaskStoreFullError } from '../../../src/gateways/memory/createMemoryTaskStore.js';
import { newTask } from '../../contract/taskStoreContract.js';
import { FakeClock } from '../../support/fakeClock.js';

// The behaviour every task store shares is in memoryTaskStore.contract.test.ts; this is what only the embedded one has.
const at = '2026-01-01T00:00:01.000Z';

describe('memory task store - bounds', () => {
  it('makes room by dropping the task that finished longest ago, never an active one', async () => {
    const clock = new FakeClock();
    const store = createMemoryTaskStore({ maxTasks: 3 }, { clock });
    for (const id of ['active', 'first', 'second']) await store.create(newTask(id));
    await store.update('second', 1, { status: 'dead', updatedAt: at }); // finishes first
    clock.advance(1);
    await store.update('first', 1, { status: 'dead', updatedAt: at });
    await store.create(newTask('fourth'));
    expect(await store.get('second')).toBeUndefined();
    expect(await store.get('first')).toMatchObject({ status: 'dead' });
    expect(await store.get('active')).toMatchObject({ status: 'queued' });
    expect(store.size).toBe(3);
  });

  it('refuses a new task when every task it holds is active, and still updates them', async () => {
    const store = createMemoryTaskStore({ maxTasks: 2 }, { clock: new FakeClock() });
    await store.create(newTask('a'));
    await store.create(newTask('b'));
    const full = await store.create(newTask('c')).catch((error: unknown) => error);
    expect(full).toBeInstanceOf(TaskStoreFullError);
    expect(full).toMatchObject({ maxTasks: 2 });
    expect(await store.get('c')).toBeUndefined();
    await store.update('a', 1, { status: 'running', updatedAt: at });
    expect(store.size).toBe(2);
  });

  it('counts a task that was retried out of failed as active again', async () => {
    const store = createMemoryTaskStore({ maxTasks: 1 }, { clock: new FakeClock() });
    await store.create(newTask('a'));
    await store.update('a', 1, { status: 'running', updatedAt: at });
    await store.update('a', 2, { status: 'failed', updatedAt: at });
    await store.update('a', 3, { status: 'queued', updatedAt: at });
    await expect(store.create(newTask('b'))).rejects.toBeInstanceOf(TaskStoreFullError);
    expect(await store.get('a')).toMatchObject({ status: 'queued' });
  });

  it('keeps a finished task exactly its retention after the update that finished it', async () => {
    const clock = new FakeClock();
    const store = createMemoryTaskStore({ retentionMs: 1_000 }, { clock });
    await store.create(newTask('a'));
    await store.update('a', 1, { status: 'dead', updatedAt: at });
    clock.advance(999);
    expect(await store.get('a')).toMatchObject({ status: 'dead' });
    expect(store.size).toBe(1);
    clock.advance(1);
    expect(store.size).toBe(0);
    expect(await store.get('a')).toBeUndefined();
    expect(clock.pending).toBe(0); // expiry is read from the clock, no timer left behind
  });

  it.each([
    [{ maxTasks: 0 }, /maxTasks/],
    [{ maxTasks: 1.5 }, /maxTasks/],
    [{ retentionMs: 0 }, /retentionMs/],
    [{ retentionMs: Number.POSITIVE_INFINITY }, /retentionMs/],
  ])('refuses the option %o', (options, message) => {
    expect(() => createMemoryTaskStore(options)).toThrow(message);
  });
});
