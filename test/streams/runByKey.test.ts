import { Subject, finalize, from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InvalidRunByKeyConfigError } from '../../src/streams/errors.js';
import { runByKey } from '../../src/streams/runByKey.js';
import { deferred, flush } from './fakeDelivery.js';

interface Item {
  readonly key: string;
  readonly n: number;
}

/** A runByKey over a Subject whose work ends only when the test says so. */
function harness(maxConcurrent?: number) {
  const input = new Subject<Item>();
  const started: string[] = [];
  const pending = new Map<string, (value: string) => void>();
  const liveKeys: number[] = [];
  const output: string[] = [];
  let completed = false;
  let failure: unknown;
  let upstreamTornDown = false;
  const work = (item: Item) => {
    const name = `${item.key}${item.n}`;
    started.push(name);
    const { promise, resolve } = deferred<string>();
    pending.set(name, resolve);
    return promise;
  };
  const subscription = input
    .pipe(
      finalize(() => (upstreamTornDown = true)),
      runByKey({ key: (item) => item.key, maxConcurrent, onKeysChanged: (n) => liveKeys.push(n) }, work),
    )
    .subscribe({ next: (r) => output.push(r), error: (e: unknown) => (failure = e), complete: () => (completed = true) });
  const push = (...names: string[]) => names.forEach((name) => input.next({ key: name[0]!, n: Number(name.slice(1)) }));
  const finish = async (name: string) => {
    pending.get(name)!(name);
    await flush();
  };
  return {
    input, started, output, liveKeys, subscription, push, finish,
    get completed() { return completed; },
    get failure() { return failure; },
    get upstreamTornDown() { return upstreamTornDown; },
  };
}

describe('runByKey - ordering', () => {
  it('runs items of one key one at a time, in arrival order', async () => {
    const h = harness();
    h.push('a1', 'a2', 'a3');
    await flush();
    expect(h.started).toEqual(['a1']);
    await h.finish('a1');
    expect(h.started).toEqual(['a1', 'a2']);
    await h.finish('a2');
    await h.finish('a3');
    expect(h.started).toEqual(['a1', 'a2', 'a3']);
    expect(h.output).toEqual(['a1', 'a2', 'a3']);
  });

  it('runs different keys concurrently and emits each result as it finishes', async () => {
    const h = harness();
    h.push('a1', 'b1', 'c1', 'a2');
    await flush();
    expect(h.started).toEqual(['a1', 'b1', 'c1']);
    await h.finish('c1');
    await h.finish('b1');
    expect(h.output).toEqual(['c1', 'b1']);
    expect(h.started).toEqual(['a1', 'b1', 'c1']);
  });
});

describe('runByKey - concurrency', () => {
  it('never runs more than maxConcurrent and hands free slots to ready keys first come first served', async () => {
    const h = harness(2);
    h.push('a1', 'b1', 'c1', 'd1', 'a2');
    await flush();
    expect(h.started).toEqual(['a1', 'b1']);
    await h.finish('a1'); // a2 became ready after c1 and d1
    expect(h.started).toEqual(['a1', 'b1', 'c1']);
    await h.finish('b1');
    expect(h.started).toEqual(['a1', 'b1', 'c1', 'd1']);
    await h.finish('c1');
    expect(h.started).toEqual(['a1', 'b1', 'c1', 'd1', 'a2']);
  });

  it('rejects a maxConcurrent that is not a positive integer or Infinity, naming the field', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const attempt = () => runByKey<Item, void>({ key: (i) => i.key, maxConcurrent: bad }, async () => undefined);
      expect(attempt).toThrow(InvalidRunByKeyConfigError);
      expect(attempt).toThrow(/maxConcurrent/);
    }
    expect(() => runByKey<Item, void>({ key: (i) => i.key, maxConcurrent: Infinity }, async () => undefined)).not.toThrow();
  });
});

describe('runByKey - bounded state', () => {
  it('deletes a key as soon as it has nothing running or waiting', async () => {
    const h = harness();
    h.push('a1', 'a2', 'b1');
    await flush();
    expect(h.liveKeys.at(-1)).toBe(2);
    await h.finish('b1');
    expect(h.liveKeys.at(-1)).toBe(1);
    await h.finish('a1');
    expect(h.liveKeys.at(-1)).toBe(1);
    await h.finish('a2');
    expect(h.liveKeys.at(-1)).toBe(0);
  });

  it('returns to zero live keys after 10_000 distinct keys', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => ({ key: `order-${i}`, n: i % 3 }));
    let live = 0;
    let peak = 0;
    const results: number[] = await new Promise((resolve, reject) => {
      const out: number[] = [];
      from([...keys, ...keys])
        .pipe(
          runByKey(
            { key: (item) => item.key, maxConcurrent: 64, onKeysChanged: (n) => ((live = n), (peak = Math.max(peak, n))) },
            async (item) => item.n,
          ),
        )
        .subscribe({ next: (r) => out.push(r), error: reject, complete: () => resolve(out) });
    });
    expect(results).toHaveLength(20_000);
    expect(peak).toBe(10_000);
    expect(live).toBe(0);
  });
});

describe('runByKey - lifetime', () => {
  it('completes only after running and waiting work has finished', async () => {
    const h = harness();
    h.push('a1', 'a2');
    h.input.complete();
    await flush();
    expect(h.completed).toBe(false);
    await h.finish('a1');
    expect(h.completed).toBe(false);
    await h.finish('a2');
    expect(h.completed).toBe(true);
    expect(h.output).toEqual(['a1', 'a2']);
  });

  it('completes at once on an empty source', async () => {
    const done = await new Promise<boolean>((resolve) =>
      from([] as Item[]).pipe(runByKey({ key: (i) => i.key }, async () => 1)).subscribe({ complete: () => resolve(true) }),
    );
    expect(done).toBe(true);
  });

  it('on unsubscribe stops starting work, drops waiting items and discards running results', async () => {
    const h = harness();
    h.push('a1', 'a2', 'b1');
    await flush();
    h.subscription.unsubscribe();
    expect(h.upstreamTornDown).toBe(true);
    expect(h.liveKeys.at(-1)).toBe(0);
    await h.finish('a1');
    await h.finish('b1');
    expect(h.started).toEqual(['a1', 'b1']);
    expect(h.output).toEqual([]);
  });

  it('errors with the error of a work that rejects, and tears down upstream', async () => {
    const boom = new Error('work rejected');
    const input = new Subject<Item>();
    let failure: unknown;
    input.pipe(runByKey({ key: (i) => i.key }, () => Promise.reject(boom))).subscribe({ error: (e: unknown) => (failure = e) });
    input.next({ key: 'a', n: 1 });
    await flush();
    expect(failure).toBe(boom);
    expect(input.observed).toBe(false);
  });

  it('passes an upstream error on', async () => {
    const boom = new Error('source failed');
    let failure: unknown;
    throwError(() => boom)
      .pipe(runByKey<Item, number>({ key: (i) => i.key }, async () => 1))
      .subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).toBe(boom);
  });
});
