import fc from 'fast-check';
import { Subject, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { runByKey } from '../../src/streams/runByKey.js';

interface Item {
  readonly key: string;
  readonly seq: number;
}

describe('keyed order - property', () => {
  it('runs each key in arrival order, never two of one key at once, never more than maxConcurrent, and forgets every key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 40 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        async (s, keys, maxConcurrent) => {
          const items: Item[] = keys.map((key, seq) => ({ key, seq }));
          const arrived = new Map<string, number[]>();
          const started = new Map<string, number[]>();
          const runningPerKey = new Map<string, number>();
          let running = 0;
          let peak = 0;
          let overlap = false;
          let liveKeys = 0;
          const results: number[] = [];

          const work = async (item: Item): Promise<number> => {
            running++;
            peak = Math.max(peak, running);
            if ((runningPerKey.get(item.key) ?? 0) > 0) overlap = true;
            runningPerKey.set(item.key, (runningPerKey.get(item.key) ?? 0) + 1);
            started.set(item.key, [...(started.get(item.key) ?? []), item.seq]);
            await s.schedule(Promise.resolve(), `work ${item.key}${item.seq}`);
            runningPerKey.set(item.key, runningPerKey.get(item.key)! - 1);
            running--;
            return item.seq;
          };

          const input = new Subject<Item>();
          const done = new Promise<void>((resolve, reject) =>
            input
              .pipe(
                tap((item) => arrived.set(item.key, [...(arrived.get(item.key) ?? []), item.seq])),
                runByKey({ key: (item) => item.key, maxConcurrent, onKeysChanged: (n) => (liveKeys = n) }, work),
              )
              .subscribe({ next: (r) => results.push(r), error: reject, complete: resolve }),
          );
          // Arrivals in an order the scheduler picks, interleaved with work completions.
          const arrivals = items.map((item) => s.schedule(Promise.resolve(), `arrive ${item.key}${item.seq}`).then(() => input.next(item)));
          void Promise.all(arrivals).then(() => input.complete());

          await s.waitFor(done);

          expect(overlap).toBe(false);
          expect(started).toEqual(arrived);
          expect(peak).toBeLessThanOrEqual(maxConcurrent ?? Infinity);
          expect(results.slice().sort((x, y) => x - y)).toEqual(items.map((i) => i.seq));
          expect(liveKeys).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
