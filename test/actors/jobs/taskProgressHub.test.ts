import { afterEach, describe, expect, it } from 'vitest';
import { taskChangeMessage } from '../../../src/actors/jobs/taskChangeMessage.js';
import { alice, bob, hubRig, settle, type HubRig } from '../hub/hubHarness.js';
import { jobPoolHarness, until, type Harness } from './jobPoolHarness.js';

let rig: HubRig | undefined;
let h: Harness | undefined;
afterEach(async () => {
  h?.pool.abandon();
  await h?.broker.close();
  await rig?.close();
});

const subscribe = (topic: string) => JSON.stringify({ type: 'subscribe', topic });

describe('task progress - the hub topic tasks:<id>', () => {
  it('its owner sees queued, running and succeeded; another user subscribed to it sees nothing', async () => {
    const hub = (rig = hubRig());
    const published: Promise<number>[] = [];
    // Progress goes to the bus as startJobs wires it: every stored change, as a task change message.
    h = jobPoolHarness({ email: { run: async () => ({ sent: true }) } }, {}, { onChange: (record) => published.push(hub.bus.publish(taskChangeMessage(record))) });
    const pool = h;
    const taskId = 'task-alice-1';
    const a = hub.connect(alice);
    const b = hub.connect(bob);
    a.handle.receive(subscribe(`tasks:${taskId}`));
    b.handle.receive(subscribe(`tasks:${taskId}`));
    await settle();
    h.pool.start();
    await h.enqueue({ type: 'email', ownerId: 'alice', payload: {}, taskId });
    await until(() => pool.pool.stats.acked === 1);
    await Promise.all(published);
    await settle();
    const events = a.transport.ofType('event') as { topic: string; event: { task: { status: string; taskId: string } } }[];
    expect(events.map((e) => [e.topic, e.event.task.taskId, e.event.task.status])).toEqual([
      [`tasks:${taskId}`, taskId, 'queued'],
      [`tasks:${taskId}`, taskId, 'running'],
      [`tasks:${taskId}`, taskId, 'succeeded'],
    ]);
    expect(b.transport.ofType('event')).toEqual([]);
  });
});
