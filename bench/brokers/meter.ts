/** A wait that ran out; the message says what was awaited and how far it got. */
export class BenchTimeoutError extends Error {
  override readonly name = 'BenchTimeoutError';
}

/** `work`, or a `BenchTimeoutError` naming `what` once `ms` have passed: no wait in the benchmark is unbounded. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts up to a target; `reached` waits for it, bounded, and fails at once if the counter was failed. */
export class Countdown {
  private count = 0;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;
  private readonly done = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(
    readonly target: number,
    readonly what: string,
  ) {
    this.done.catch(() => undefined); // a failure before anyone waits is not an unhandled rejection
    if (target <= 0) this.resolve();
  }

  get value(): number {
    return this.count;
  }

  tick(n = 1): void {
    this.count += n;
    if (this.count >= this.target) this.resolve();
  }

  /** What counts for this has failed (a consumer's loop died): `reached` rejects with `error`. */
  fail(error: unknown): void {
    this.reject(error);
  }

  async reached(timeoutMs: number): Promise<void> {
    const started = performance.now();
    try {
      await within(timeoutMs, this.what, this.done);
    } catch (error) {
      if (!(error instanceof BenchTimeoutError)) throw error;
      const seconds = Math.round((performance.now() - started) / 1000);
      throw new BenchTimeoutError(`${this.what}: ${this.count.toLocaleString('en')} of ${this.target.toLocaleString('en')} after ${seconds} s`, { cause: error });
    }
  }
}

export interface Measurement {
  /** Messages consumed and acked in the window. */
  readonly messages: number;
  /** From the first message received to the last one acked. */
  readonly seconds: number;
  /** CPU (user + system) of this process in the same window; the broker's own CPU is not in it. */
  readonly cpuSeconds: number;
}

/**
 * The measuring window of one consumer: it opens when the first message arrives (so connecting,
 * joining a group and creating consumers stay out, the same for every consumer measured) and
 * closes when the runner says everything is acked.
 */
export class Meter {
  readonly acked: Countdown;
  private openedAt: number | undefined;
  private cpuAtOpen: NodeJS.CpuUsage | undefined;

  constructor(messages: number, what: string) {
    this.acked = new Countdown(messages, `${what}: messages acked`);
  }

  /** A message arrived: the first one opens the window. Cheap enough to call for every message. */
  received(): void {
    if (this.openedAt !== undefined) return;
    this.openedAt = performance.now();
    this.cpuAtOpen = process.cpuUsage();
  }

  close(): Measurement {
    if (this.openedAt === undefined || this.cpuAtOpen === undefined) throw new Error(`${this.acked.what}: no message was received`);
    const cpu = process.cpuUsage(this.cpuAtOpen);
    return { messages: this.acked.value, seconds: (performance.now() - this.openedAt) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  }
}
