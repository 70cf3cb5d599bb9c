import { within } from '../../domain/within.js';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import type { OutboxEntry } from './outboxEntry.js';
import { OutboxRelayError } from './outboxRelayErrors.js';
import { resolveOutboxRelayOptions, type OutboxRelayOptions, type ResolvedOutboxRelayOptions } from './outboxRelayOptions.js';

export type { OutboxRelayOptions } from './outboxRelayOptions.js';

/** Counters for metrics and tests. */
export interface OutboxRelayStats {
  /** Publishes that resolved, re-sends included. */
  readonly published: number;
  /** Passes that failed (read, publish or remove). */
  readonly failedPasses: number;
  /** Failed passes since the last one that succeeded; 0 when healthy. */
  readonly consecutiveFailures: number;
}

type State = 'idle' | 'running' | 'stopped';

/**
 * Publishes what the order store's outbox holds, and only then removes it: the second half of
 * the transactional outbox. A crash between the publish and the remove leaves the entry in the
 * outbox, so it is published again, with the same id, by the next relay: at least once, never
 * lost, and a consumer deduplicates on the id.
 *
 * One pass reads up to `batchSize` entries oldest first, publishes one order's entries one
 * after the other (different orders at once), then removes the published ones in one call. An
 * entry whose publish fails stops its order's run in that pass, so the order's later entries
 * never overtake it. Passes follow each other while there is a full batch; then the relay
 * sleeps until `wake()` (a save in this process) or `pollMs` (entries left by a crash or another
 * instance). A failed pass is retried after a backoff that doubles up to `retryMaxMs`; wakes do
 * not cut a backoff short, so a failing broker is not hit by every save.
 *
 * Lifecycle: `start()`, then `stop({ drainMs })` (idempotent: keeps relaying until the outbox is
 * empty or the deadline passes, then stops; no timer is left) or `abandon()` (a crash: stops at
 * once, and what an in-flight pass published is not removed).
 */
export class OutboxRelay {
  readonly #options: ResolvedOutboxRelayOptions;
  readonly #clock: Clock;
  #state: State = 'idle';
  #abandoned = false;
  #timer: TimerHandle | undefined;
  #timerKind: 'poll' | 'backoff' | undefined;
  /** The pass loop under way, if any; only one at a time. */
  #loop: Promise<void> | undefined;
  /** A wake arrived while a pass ran: look again before sleeping. */
  #again = false;
  /** Resolves the drain of `stop` once a pass found less than a full batch. */
  #onIdle: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  #published = 0;
  #failedPasses = 0;
  #consecutiveFailures = 0;

  constructor(options: OutboxRelayOptions) {
    this.#options = resolveOutboxRelayOptions(options);
    this.#clock = this.#options.clock;
  }

  /** Starts relaying at once (entries left by an earlier run go first). Does nothing once started or stopped. */
  start(): this {
    if (this.#state !== 'idle') return this;
    this.#state = 'running';
    this.#kick();
    return this;
  }

  /** New entries were saved: look now instead of at the next poll. Ignored while backing off or stopped. */
  wake(): void {
    this.#kick();
  }

  /** True between `start()` and a stop, an abandon or giving up. */
  get running(): boolean {
    return this.#state === 'running';
  }

  get stats(): OutboxRelayStats {
    return { published: this.#published, failedPasses: this.#failedPasses, consecutiveFailures: this.#consecutiveFailures };
  }

  /**
   * Stops the relay. With `drainMs`, it first keeps relaying until a pass finds less than a full
   * batch (the outbox is drained) or `drainMs` has passed, and then waits for the pass under way
   * for what is left of `drainMs`. Whatever is still in the outbox stays there for the next run.
   * Leaves no timer behind. Idempotent: later calls return the first call's promise.
   */
  stop(options: { readonly drainMs?: number } = {}): Promise<void> {
    return (this.#stopping ??= this.#stop(options.drainMs ?? 0));
  }

  /** Like a crash: stops at once, publishes nothing more and removes nothing more, waits for nothing. */
  abandon(): void {
    this.#abandoned = true;
    this.#halt();
    this.#stopping ??= Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(drainMs: number): Promise<void> {
    const deadline = this.#clock.now() + drainMs;
    if (this.#state === 'running' && drainMs > 0) {
      const idle = new Promise<void>((resolve) => (this.#onIdle = resolve));
      this.#kick(); // a save may have landed since the last pass
      await within(this.#clock, idle, drainMs);
    }
    this.#halt();
    const left = deadline - this.#clock.now();
    if (this.#loop && left > 0) await within(this.#clock, this.#loop, left);
  }

  #halt(): void {
    this.#state = 'stopped';
    this.#clearTimer();
    this.#idle();
  }

  #kick(): void {
    if (this.#state !== 'running') return;
    if (this.#loop) {
      this.#again = true;
      return;
    }
    if (this.#timerKind === 'backoff') return;
    this.#clearTimer();
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
      // A wake that came after the pass's last look must not wait for the poll.
      if (this.#again) this.#kick();
    });
  }

  async #run(): Promise<void> {
    for (;;) {
      this.#again = false;
      let read: number;
      try {
        read = await this.#pass();
      } catch (error) {
        if (this.#state === 'running') this.#failed(error as OutboxRelayError);
        return;
      }
      this.#consecutiveFailures = 0;
      if (this.#state !== 'running') return;
      if (read < this.#options.batchSize && !this.#again) {
        this.#schedule('poll', this.#options.pollMs);
        this.#idle();
        return;
      }
      // A long backlog goes out batch after batch without starving the rest of the process.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#state !== 'running') return;
    }
  }

  /** One pass: read, publish in per-order order, remove what was published; rejects with `OutboxRelayError`. */
  async #pass(): Promise<number> {
    const { store, sink, channel, encode, batchSize } = this.#options;
    let entries: readonly OutboxEntry[];
    try {
      entries = await store.readOutbox(batchSize);
    } catch (cause) {
      throw new OutboxRelayError('read', undefined, { cause });
    }
    const published: string[] = [];
    let failure: OutboxRelayError | undefined;
    await Promise.all(
      [...runsByOrder(entries)].map(async (run) => {
        for (const entry of run) {
          if (this.#state !== 'running') return;
          try {
            await sink.publish(channel, encode(entry));
          } catch (cause) {
            failure ??= new OutboxRelayError('publish', entry.id, { cause });
            return; // the order's later entries wait for this one
          }
          published.push(entry.id);
          this.#published++;
        }
      }),
    );
    // A crash: the next relay publishes these again, which is what a real crash here would do.
    if (this.#abandoned) return entries.length;
    if (published.length > 0) {
      try {
        await store.removeOutbox(published);
      } catch (cause) {
        throw new OutboxRelayError('remove', published[0], { cause });
      }
    }
    if (failure) throw failure;
    return entries.length;
  }

  #failed(error: OutboxRelayError): void {
    this.#failedPasses++;
    this.#consecutiveFailures++;
    if (this.#consecutiveFailures >= this.#options.maxFailures) {
      this.#halt();
      notify(() => this.#options.onFailure?.(error));
      return;
    }
    const { retryBaseMs, retryMaxMs } = this.#options;
    const retryInMs = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(this.#consecutiveFailures - 1, 30));
    this.#schedule('backoff', retryInMs);
    notify(() => this.#options.onError?.(error, { failures: this.#consecutiveFailures, retryInMs }));
  }

  #schedule(kind: 'poll' | 'backoff', ms: number): void {
    this.#clearTimer();
    this.#timerKind = kind;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerKind = undefined;
      this.#kick();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerKind = undefined;
  }

  #idle(): void {
    const resolve = this.#onIdle;
    this.#onIdle = undefined;
    resolve?.();
  }
}

/** The entries grouped by order, each group in outbox order. */
function runsByOrder(entries: readonly OutboxEntry[]): Iterable<OutboxEntry[]> {
  const runs = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const run = runs.get(entry.key);
    if (run) run.push(entry);
    else runs.set(entry.key, [entry]);
  }
  return runs.values();
}

/** A listener's failure is its own: it must not stop the relay. */
function notify(listener: () => void): void {
  try {
    listener();
  } catch {
    // ignored on purpose
  }
}
