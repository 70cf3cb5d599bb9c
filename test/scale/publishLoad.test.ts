import { describe, expect, it } from 'vitest';
import type { Sink } from '../../src/streams/source.js';
import type { JournalEntry } from './journal.js';
import { planOrders } from './loadPlan.js';
import { publishLoad } from './publishLoad.js';

describe('publishLoad', () => {
  it('releases the paced messages of one grid step together, so their publishes can share a socket write', async () => {
    // A publish opens a group unless one is open; a group closes at the next setImmediate, after
    // everything that ran in the same turn of the event loop. With a timer per message, 3,000/s
    // (turns a third of a millisecond apart) gives about one group per millisecond.
    let groups = 0;
    let open = false;
    const published: string[] = [];
    const sink: Sink = {
      publish: async (_channel, message) => {
        if (!open) {
          groups++;
          open = true;
          setImmediate(() => (open = false));
        }
        published.push(message.headers['message-id'] ?? '');
      },
    };
    const journalled: JournalEntry[] = [];
    const { done } = publishLoad({
      sink,
      channel: 'orders',
      plan: planOrders({ orders: 100, events: 300, users: 10, seed: 1, runId: 'pace', mix: 'story' }),
      journal: { write: (entry) => void journalled.push(entry), close: async () => undefined },
      perOrder: 'sequential',
      rate: () => 3000,
    });
    const progress = await done;

    expect(progress.confirmed).toBe(300);
    expect(journalled).toHaveLength(300);
    expect(published).toHaveLength(300);
    // 300 messages over about 100 ms in 5 ms steps: about 20 groups; a timer each gave about 100.
    expect(groups).toBeLessThanOrEqual(300 / 8);
  });
});
