import type { CliIo } from './cliIo.js';

export interface ProgressMeter {
  /** `done` of the total are finished and `count` messages went out; shown when it is time to. */
  update(done: number, count: number): void;
  /** Draws the last state and ends the bar's line on a terminal (a log gets the summary instead). Idempotent. */
  finish(done: number, count: number): void;
}

/** Redraws on a terminal at most this often. */
const TTY_EVERY_MS = 100;
/** Writes a line when stderr is not a terminal (a log, CI) at most this often. */
const PLAIN_EVERY_MS = 1_000;
const BAR_WIDTH = 24;

/**
 * Progress on stderr: a bar redrawn in place when stderr is a terminal, a plain line every
 * second otherwise, so that a log stays readable. `now` is in ms (performance.now by default).
 */
export function createProgressMeter(io: CliIo, total: number, what: string, now: () => number = () => performance.now()): ProgressMeter {
  const tty = io.stderrIsTTY === true;
  const started = now();
  let last = started;
  let finished = false;
  const line = (done: number, count: number) => {
    const elapsedS = (now() - started) / 1000;
    const rate = elapsedS > 0 ? Math.round(count / elapsedS) : 0;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = tty ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
    return `${bar}${Math.floor(fraction * 100)}%  ${done}/${total} ${what}  ${count} events  ${rate}/s  ${elapsedS.toFixed(1)} s`;
  };
  return {
    update(done, count) {
      if (finished) return;
      const at = now();
      if (at - last < (tty ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = at;
      io.stderr(tty ? `\r${line(done, count)}\u001b[K` : `${line(done, count)}\n`);
    },
    finish(done, count) {
      if (finished) return;
      finished = true;
      if (tty) io.stderr(`\r${line(done, count)}\u001b[K\n`);
    },
  };
}
