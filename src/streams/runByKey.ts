import { Observable, type OperatorFunction } from 'rxjs';
import { InvalidRunByKeyConfigError } from './errors.js';

export interface RunByKeyConfig<T> {
  /** The ordering key of an item (the order id). A throw errors the output. */
  readonly key: (item: T) => string;
  /** Most items running at once across all keys: a positive integer or `Infinity`. @default Infinity (the source's credit bounds it) */
  readonly maxConcurrent?: number;
  /** Told the number of live keys (running or waiting) whenever it changes; for metrics and leak tests. @default undefined */
  readonly onKeysChanged?: (liveKeys: number) => void;
}

/** One key's lane: whether its head item runs, and the items behind it in arrival order. */
interface Lane<T> {
  running: boolean;
  readonly waiting: T[];
}

/**
 * Keyed execution: items with the same key run strictly one at a time and in arrival order;
 * different keys run concurrently, at most `maxConcurrent` at once, and a key whose head item
 * waits for a slot gets one in the order it became ready (FIFO across keys). Each result is
 * emitted as soon as its work finishes.
 *
 * Buffering: waiting items are held here, but only as many as the upstream emits while earlier
 * ones are unfinished. The source never holds more than its credit of unsettled deliveries and
 * `work` settles each one, so waiting items are bounded by that credit. Do not put this behind
 * an unbounded source. A key's lane is deleted the moment nothing of it runs or waits, so
 * distinct keys never accumulate.
 *
 * Contracts:
 * - `work` must not reject (the pipeline wraps it so it never does); if it does, or throws, or
 *   `key` throws, the output errors with that error and everything is torn down.
 * - Upstream completion completes the output once all running and waiting work has finished;
 *   an upstream error is passed on at once.
 * - Unsubscribing (or an error) stops starting work and drops waiting items: they are
 *   unsettled deliveries, which the source hands back to the broker for redelivery. Work
 *   already running cannot be cancelled from here; its result is discarded.
 */
export function runByKey<T, R>(config: RunByKeyConfig<T>, work: (item: T) => Promise<R>): OperatorFunction<T, R> {
  const maxConcurrent = config.maxConcurrent ?? Infinity;
  if (typeof config.key !== 'function') throw new InvalidRunByKeyConfigError('key', 'must be a function');
  if (!(maxConcurrent === Infinity || (Number.isSafeInteger(maxConcurrent) && maxConcurrent >= 1))) {
    throw new InvalidRunByKeyConfigError('maxConcurrent', `must be a positive integer or Infinity, got ${maxConcurrent}`);
  }
  const onKeysChanged = config.onKeysChanged ?? (() => undefined);

  return (source) =>
    new Observable<R>((subscriber) => {
      const lanes = new Map<string, Lane<T>>();
      const ready = new KeyQueue(); // keys not running whose head item waits for a slot
      let running = 0;
      let upstreamDone = false;
      let stopped = false;

      const fail = (error: unknown) => {
        if (stopped) return;
        subscriber.error(error);
      };

      const finish = (key: string, lane: Lane<T>, result: R) => {
        if (stopped) return;
        running--;
        lane.running = false;
        if (lane.waiting.length > 0) ready.push(key);
        else {
          lanes.delete(key);
          onKeysChanged(lanes.size);
        }
        subscriber.next(result);
        pump();
      };

      const start = (key: string, lane: Lane<T>, item: T) => {
        lane.running = true;
        running++;
        let promise: Promise<R>;
        try {
          promise = work(item);
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then((result) => finish(key, lane, result), fail);
      };

      // Starts what may start, then completes if nothing is left. Safe to re-enter.
      const pump = () => {
        while (!stopped && running < maxConcurrent) {
          const key = ready.shift();
          if (key === undefined) break;
          const lane = lanes.get(key)!;
          start(key, lane, lane.waiting.shift()!);
        }
        if (!stopped && upstreamDone && running === 0 && lanes.size === 0) subscriber.complete();
      };

      const subscription = source.subscribe({
        next: (item) => {
          let key: string;
          try {
            key = config.key(item);
          } catch (error) {
            fail(error);
            return;
          }
          let lane = lanes.get(key);
          if (lane === undefined) {
            lane = { running: false, waiting: [] };
            lanes.set(key, lane);
            onKeysChanged(lanes.size);
          }
          lane.waiting.push(item);
          if (!lane.running && lane.waiting.length === 1) ready.push(key);
          pump();
        },
        error: fail,
        complete: () => {
          upstreamDone = true;
          pump();
        },
      });

      return () => {
        stopped = true;
        subscription.unsubscribe();
        if (lanes.size > 0) {
          lanes.clear();
          onKeysChanged(0);
        }
        ready.clear();
      };
    });
}

/** A FIFO of keys with O(1) push and shift. */
class KeyQueue {
  #items: string[] = [];
  #head = 0;

  push(key: string): void {
    this.#items.push(key);
  }

  shift(): string | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const key = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
