import type { Clock, TimerHandle } from '../../domain/clock.js';
import type { LogPort } from '../../streams/logPort.js';

/** Why an at-most-once consumer let a message go. */
export type DropReason =
  | 'buffer-full' // arrived while the pipeline had no credit and the buffer was full
  | 'drained' // waited in the buffer, or for a retry, when the consumer was drained
  | 'stopped' // waited in the buffer, or for a retry, when the consumer was unsubscribed or the gateway closed
  | 'retry-after-stop'; // handed back with `retry` once the consumer no longer hands anything out

export interface DropReportOptions {
  readonly log: LogPort;
  readonly clock: Clock;
  /** At most one line per this interval; what happens in between is summed into the next. */
  readonly intervalMs: number;
  /** Fields every line carries (gateway, group, channels). */
  readonly fields: object;
  /** Called with every drop as it happens: the gateway's running total. */
  readonly onDrop?: (count: number) => void;
}

/**
 * Counts dropped messages and says so in the log without one line per message: the first drop
 * is logged at once, later ones are summed and logged at most once per interval, and whatever
 * is still unreported when the consumer ends is logged by `close`. Never silent, never a flood.
 */
export class DropReport {
  #total = 0;
  readonly #unreported = new Map<DropReason, number>();
  #lastReportAt = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(private readonly options: DropReportOptions) {}

  /** Messages dropped so far, for every reason. */
  get total(): number {
    return this.#total;
  }

  add(reason: DropReason, count = 1): void {
    if (count <= 0) return;
    this.#total += count;
    this.#unreported.set(reason, (this.#unreported.get(reason) ?? 0) + count);
    this.options.onDrop?.(count);
    const { clock, intervalMs } = this.options;
    const wait = this.#lastReportAt + intervalMs - clock.now();
    // Once closed no timer is started: a late drop (a retry after the end) is reported at once.
    if (wait <= 0 || this.#closed) this.#report();
    else this.#timer ??= clock.setTimeout(() => this.#report(), wait);
  }

  /** Logs what is still unreported and stops the timer; later drops are logged as they come. */
  close(): void {
    this.#closed = true;
    this.#report();
  }

  #report(): void {
    if (this.#timer !== undefined) this.options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#unreported.size === 0) return;
    const dropped = Object.fromEntries(this.#unreported);
    this.#unreported.clear();
    this.#lastReportAt = this.options.clock.now();
    this.options.log.warn(
      { ...this.options.fields, dropped, droppedTotal: this.#total },
      'core NATS consumer dropped messages (at-most-once: they are gone)',
    );
  }
}
