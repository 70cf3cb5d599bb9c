import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ClusterBusClosedError, ClusterBusFullError, createMemoryClusterBus } from '../../../src/gateways/memory/createMemoryClusterBus.js';

const message = (n: number) => ({ topics: ['admin:all'], ownerId: 'u', event: { n } });

describe('in-process cluster bus - what the hub is tested on', () => {
  it('numbers messages from firstSeq and delivers them in order after publish resolved', async () => {
    const bus = createMemoryClusterBus({ firstSeq: 10 });
    const all = firstValueFrom(bus.messages$.pipe(toArray()));
    const seqs = await Promise.all([bus.publish(message(0)), bus.publish(message(1)), bus.publish(message(2))]);
    expect(seqs).toEqual([10, 11, 12]);
    await new Promise((resolve) => setImmediate(resolve));
    await bus.close();
    expect((await all).map((m) => [m.seq, m.event])).toEqual([
      [10, { n: 0 }],
      [11, { n: 1 }],
      [12, { n: 2 }],
    ]);
  });

  it('by default starts above anything an earlier run of the process handed out', async () => {
    const bus = createMemoryClusterBus();
    expect(await bus.publish(message(0))).toBeGreaterThanOrEqual(Date.now() * 1000 - 1_000_000);
    await bus.close();
  });

  it('refuses past maxPending undelivered messages, and after close', async () => {
    const bus = createMemoryClusterBus({ maxPending: 2, firstSeq: 1 });
    // All three before the delivery microtask runs: two wait, the third finds no room.
    const accepted = [bus.publish(message(0)), bus.publish(message(1))];
    const refused = bus.publish(message(2));
    expect(await Promise.all(accepted)).toEqual([1, 2]);
    await expect(refused).rejects.toBeInstanceOf(ClusterBusFullError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await bus.publish(message(3))).toBe(3);
    await bus.close();
    await bus.close();
    await expect(bus.publish(message(4))).rejects.toBeInstanceOf(ClusterBusClosedError);
  });
});
