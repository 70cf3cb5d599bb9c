import type { SpareBroker } from '../support/spareBroker.js';
import type { ChaosHook } from './chaosHook.js';

export interface BrokerRestartOptions {
  /** Share of the expected transitions out when the broker is stopped. */
  readonly at: number;
  /** How long it stays down between its stop and its start. */
  readonly downMs: number;
  /** What the log lines and problems call it, e.g. `the RabbitMQ node`. */
  readonly label: string;
}

/**
 * Stops the run's own broker once `at` of the transitions are out, leaves it down `downMs` and
 * starts it again on the same port and data. Figures: `brokerDownMs` from the stop until it
 * accepts connections again (its own stop and start times included, split out in `brokerStopMs`
 * and `brokerStartMs`), and `brokerUpToProgressMs` until the next new status event.
 */
export function brokerRestartHook(broker: SpareBroker, options: BrokerRestartOptions): ChaosHook {
  const { label } = options;
  let restarting: Promise<void> | undefined;
  let stoppedAt: number | undefined;
  let downAt: number | undefined;
  let startingAt: number | undefined;
  let upAt: number | undefined;
  let progressAfterMs: number | undefined;
  const restart = async (log: (line: string) => void) => {
    await broker.stop();
    downAt = Date.now();
    log(`${label} stopped (${downAt - stoppedAt!} ms to stop)`);
    await new Promise((resolve) => setTimeout(resolve, options.downMs));
    startingAt = Date.now();
    await broker.start();
    upAt = Date.now();
    log(`${label} back after ${upAt - stoppedAt!} ms (${upAt - startingAt} ms to start)`);
  };
  return {
    async tick({ share, lastNewStatusAt, log, problems }) {
      if (!restarting && share >= options.at) {
        log(`stopping ${label} on ${broker.port} at ${Math.round(share * 100)}% of the transitions for ${options.downMs} ms`);
        stoppedAt = Date.now();
        // Not awaited: the run's loop keeps watching while the broker is down.
        restarting = restart(log).catch((error: unknown) => void problems.push(`${label} did not come back: ${String(error)}`));
      }
      if (upAt !== undefined && progressAfterMs === undefined && lastNewStatusAt !== undefined && lastNewStatusAt > upAt) {
        progressAfterMs = lastNewStatusAt - upAt;
        log(`progress again ${progressAfterMs} ms after ${label} came back`);
      }
    },
    async finish({ figures, problems }) {
      await restarting;
      figures.brokerDownMs = upAt === undefined || stoppedAt === undefined ? undefined : upAt - stoppedAt;
      figures.brokerStopMs = downAt === undefined || stoppedAt === undefined ? undefined : downAt - stoppedAt;
      figures.brokerStartMs = upAt === undefined || startingAt === undefined ? undefined : upAt - startingAt;
      figures.brokerUpToProgressMs = progressAfterMs;
      if (!restarting) problems.push(`the run ended before ${label} was restarted`);
      else if (progressAfterMs === undefined) problems.push(`no progress after ${label} came back`);
    },
    async cleanup() {
      await restarting?.catch(() => undefined);
    },
  };
}
