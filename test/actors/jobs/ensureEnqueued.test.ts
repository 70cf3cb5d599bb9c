import { describe, expect, it } from 'vitest';
import { createEnsureEnqueued } from '../../../src/actors/jobs/enqueueTask.js';
import { createMemoryTaskStore } from '../../../src/gateways/memory/createMemoryTaskStore.js';
import type { OutboundMessage } from '../../../src/streams/source.js';

function setup(refuse = false) {
  const store = createMemoryTaskStore({});
  const sent: Array<{ channel: string; message: OutboundMessage }> = [];
  const sink = {
    publish: async (channel: string, message: OutboundMessage) => {
      if (refuse) throw new Error('broker refused');
      sent.push({ channel, message });
    },
  };
  const ensure = createEnsureEnqueued({ store, sink, channelOf: (type) => `tasks.${type}` });
  return { store, sent, ensure };
}

const request = { type: 'email', ownerId: 'u1', payload: { orderId: 'o-1' }, taskId: 'email-confirmation-o-1' };

describe('ensureEnqueued - a named task, asked for again and again', () => {
  it('stores the task queued and publishes it', async () => {
    const { store, sent, ensure } = setup();
    await ensure(request);
    expect((await store.get(request.taskId))?.status).toBe('queued');
    expect(sent.map((s) => s.channel)).toEqual(['tasks.email']);
  });

  it('publishes a task that is still queued again: an earlier try may have died between the store and the broker', async () => {
    const { store, sent, ensure } = setup();
    const now = new Date().toISOString();
    // What a crash right after the store write leaves: the task queued, nothing on the broker.
    await store.create({ taskId: request.taskId, type: 'email', status: 'queued', attempts: 0, payload: { ownerId: 'u1', input: { orderId: 'o-1' } }, createdAt: now, updatedAt: now, version: 1 });
    await ensure(request);
    expect(sent).toHaveLength(1);
    expect((await store.get(request.taskId))?.version).toBe(1);
  });

  it('leaves a task that is further along alone', async () => {
    const { store, sent, ensure } = setup();
    await ensure(request);
    const queued = (await store.get(request.taskId))!;
    await store.update(request.taskId, queued.version, { status: 'running', attempts: 1, updatedAt: new Date().toISOString() });
    await ensure(request);
    expect(sent).toHaveLength(1);
  });

  it('rejects when the broker refuses, and leaves the task queued for the next try', async () => {
    const { store, ensure } = setup(true);
    await expect(ensure(request)).rejects.toThrow('broker refused');
    expect((await store.get(request.taskId))?.status).toBe('queued');
  });
});
