import type { Sink } from '../../src/streams/source.js';
import type { JournalEntry, JournalWriter } from './journal.js';
import type { PlannedMessage } from './loadPlan.js';

export interface PublishLoadOptions {
  readonly sink: Sink;
  readonly channel: string;
  /** Order by order; taken as publishing goes, so a lazy plan (`planOrders`) is never held whole. */
  readonly plan: Iterable<readonly PlannedMessage[]>;
  readonly journal: JournalWriter;
  /** Orders being published at once. @default 128 */
  readonly concurrency?: number;
  /**
   * `sequential`: an order's next message goes out once the broker confirmed the previous one, so
   * the broker holds them in publish order. `burst`: all of an order's messages at once (the race
   * proof: nothing about their order is promised).
   */
  readonly perOrder: 'sequential' | 'burst';
  /** Tries per message; a failed publish is sent again with the same id and bytes (a duplicate at worst). @default 5 */
  readonly attempts?: number;
  readonly signal?: AbortSignal;
  /**
   * Messages per second to publish at, asked before each message (so a run can change it as it
   * goes); a message waits for its turn. Not a number above 0: no pacing. @default unpaced
   */
  readonly rate?: () => number;
  /**
   * Keep every journal entry in `progress.entries` too. A run that reads the journal back once it
   * is over turns this off, so that its heap does not grow with every message. @default true
   */
  readonly keepEntries?: boolean;
}

export interface PublishProgress {
  confirmed: number;
  failed: number;
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** What the journal holds so far, in memory too (empty with `keepEntries: false`). */
  readonly entries: JournalEntry[];
}

/** The pacing grid (ms): a turn waits at most this much longer than its exact time. */
const PACE_STEP_MS = 5;

/**
 * Publishes the plan through an Orderly gateway's `publish` (it resolves once the broker has the
 * message) and journals each message as its publish resolves. A message whose every try failed
 * ends its order's publishing: nothing after it goes out, so the journal never has a gap inside
 * an order.
 */
export function publishLoad(options: PublishLoadOptions): { progress: PublishProgress; done: Promise<PublishProgress> } {
  const progress: PublishProgress = { confirmed: 0, failed: 0, firstAt: undefined, lastAt: undefined, entries: [] };
  const attempts = options.attempts ?? 5;
  const keepEntries = options.keepEntries ?? true;
  let nextTurnAt = 0;
  /** One timer per step of the grid, shared by every message whose turn falls in it. */
  const steps = new Map<number, Promise<void>>();
  const releaseAt = (at: number): Promise<void> => {
    let step = steps.get(at);
    if (!step) {
      step = new Promise<void>((resolve) =>
        setTimeout(() => {
          steps.delete(at);
          resolve();
        }, at - Date.now()),
      );
      steps.set(at, step);
    }
    return step;
  };
  /**
   * Waits for this message's turn at the current rate; at most one turn per worker is booked
   * ahead, so `steps` holds at most `concurrency` timers. Turns are released on a grid of
   * `PACE_STEP_MS`: the messages of one step go in one callback, so ioredis' auto-pipelining sends
   * their XADDs in one socket write. With a timer each, every publish was its own write, and the
   * producer took 52–60 % of a core at 3,700–5,500/s beside the consumer under test (BENCHMARKS.md).
   */
  const pace = async () => {
    const rate = options.rate?.() ?? 0;
    if (!(rate > 0)) return;
    const now = Date.now();
    const turn = Math.max(nextTurnAt, now);
    nextTurnAt = turn + 1000 / rate;
    if (turn > now) await releaseAt(Math.ceil(turn / PACE_STEP_MS) * PACE_STEP_MS);
  };
  const send = async (planned: PlannedMessage): Promise<boolean> => {
    await pace();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (options.signal?.aborted) return false;
      let journalled: Promise<void> | undefined;
      try {
        progress.firstAt ??= Date.now();
        await options.sink.publish(options.channel, planned.message);
        const confirmedAt = Date.now();
        progress.confirmed++;
        progress.lastAt = confirmedAt;
        const { message: _message, ...line } = planned;
        const entry: JournalEntry = { ...line, confirmedAt };
        if (keepEntries) progress.entries.push(entry);
        journalled = options.journal.write(entry);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        continue;
      }
      // Outside the try: waiting for the journal's disk must never publish the message again.
      await journalled;
      return true;
    }
    progress.failed++;
    return false;
  };
  const orders = options.plan[Symbol.iterator]();
  const worker = async () => {
    while (!options.signal?.aborted) {
      const next = orders.next();
      if (next.done) return;
      const order = next.value;
      if (options.perOrder === 'burst') await Promise.all(order.map(send));
      else for (const planned of order) if (!(await send(planned))) break;
    }
  };
  const done = (async () => {
    await Promise.all(Array.from({ length: options.concurrency ?? 128 }, worker));
    return progress;
  })();
  return { progress, done };
}
