import type { SpareBroker } from '../support/spareBroker.js';
import { startSpareNats } from '../support/spareBrokers.js';
import type { ChaosHook } from './chaosHook.js';
import { CHAOS, runOptions } from './runOptions.js';
import { main, numberArgs } from './runScale.js';

/**
 * Chaos: the broker restarted mid-run. A NATS server with JetStream of the run's own, on a spare
 * port with its store in a temporary folder (the shared 4222 is never touched), carries the load;
 * once `at` of the transitions are out it is stopped (SIGTERM), left down `down` ms and started
 * again on the same port and store. Orderly and the harness's producer reconnect; the oracle
 * must find nothing lost and nothing applied twice. JetStream redelivers what was unacked after
 * newer messages, so any order of application the rules accept is allowed.
 * `node dist/test/scale/chaosBrokerRestart.js [--events 20000 --orders 2000 --down 5000 --at 0.3]`.
 */
function restartHook(broker: SpareBroker, options: { at: number; downMs: number }): ChaosHook {
  let restarting: Promise<void> | undefined;
  let stoppedAt: number | undefined;
  let upAt: number | undefined;
  let progressAfterMs: number | undefined;
  return {
    async tick({ share, lastNewStatusAt, log, problems }) {
      if (!restarting && share >= options.at) {
        log(`stopping the NATS server on ${broker.port} at ${Math.round(share * 100)}% of the transitions for ${options.downMs} ms`);
        stoppedAt = Date.now();
        // Not awaited: the run's loop keeps watching while the broker is down.
        restarting = broker.restart(options.downMs).then(
          () => {
            upAt = Date.now();
            log(`NATS server back after ${upAt - stoppedAt!} ms`);
          },
          (error: unknown) => void problems.push(`the NATS server did not come back: ${String(error)}`),
        );
      }
      if (upAt !== undefined && progressAfterMs === undefined && lastNewStatusAt !== undefined && lastNewStatusAt > upAt) progressAfterMs = lastNewStatusAt - upAt;
    },
    async finish({ figures, problems }) {
      await restarting;
      figures.brokerDownMs = upAt === undefined || stoppedAt === undefined ? undefined : upAt - stoppedAt;
      figures.brokerUpToProgressMs = progressAfterMs;
      if (!restarting) problems.push('the run ended before the broker was restarted');
      else if (progressAfterMs === undefined) problems.push('no progress after the broker came back');
    },
    async cleanup() {
      await restarting?.catch(() => undefined);
    },
  };
}

const args = numberArgs({ events: 20_000, orders: 2_000, down: 5_000, at: 0.3, seed: 23 });
const nats = await startSpareNats();
console.log(`broker: nats-server on port ${nats.port} (store in ${nats.dir})`);
await main(
  `chaos: the NATS server restarted (down ${args.down} ms) during ${args.events} events over ${args.orders} orders`,
  runOptions(args, {
    broker: 'nats',
    instances: 1,
    timeoutMs: 10 * 60_000,
    ...CHAOS,
    env: { NATS_URL: `nats://127.0.0.1:${nats.port}` },
    chaos: restartHook(nats, { at: args.at, downMs: args.down }),
  }),
  () => nats.dispose(),
);
