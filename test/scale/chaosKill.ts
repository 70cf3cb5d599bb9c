import { mulberry32 } from '../../src/app/cli/simulateOrders.js';
import { brokerArg, spread, type ChaosHook } from './chaosHook.js';
import { CHAOS, runOptions } from './runOptions.js';
import { main, numberArgs } from './runScale.js';
import type { ScaleBroker } from './scaleBrokers.js';

/**
 * Chaos: the Orderly process SIGKILLed `kills` times at seeded random moments of a run and started
 * again each time, then the oracle. `node dist/test/scale/chaosKill.js [--broker kafka|nats|rabbitmq|redis]
 * [--events 50000 --orders 5000 --kills 20 --instances 1 --seed 11]`.
 *
 * A moment is a share of the expected transitions (drawn between 2 % and 90 %, so every kill falls
 * inside the run) plus up to 250 ms, so a kill lands anywhere in the pipeline's work: mid-batch,
 * between a store write and its ack, during a Kafka commit. Kafka keeps each order's events in
 * order, so the oracle demands publish order there; the other brokers redeliver what a dead
 * consumer held after newer messages, so there any order the rules accept is allowed.
 */
function killHook(options: { kills: number; seed: number }): ChaosHook {
  const random = mulberry32(options.seed);
  const moments = Array.from({ length: options.kills }, () => 0.02 + random() * 0.88).sort((a, b) => a - b);
  const readyMs: number[] = [];
  const recoverMs: number[] = [];
  let kills = 0;
  let recovering: { killedAt: number; readyAt: number } | undefined;
  return {
    async tick({ share, processes, restart, lastNewStatusAt, log, signal }) {
      if (recovering && lastNewStatusAt !== undefined && lastNewStatusAt > recovering.readyAt) {
        recoverMs.push(lastNewStatusAt - recovering.killedAt);
        recovering = undefined;
      }
      if (kills >= moments.length || share < moments[kills]! || signal.aborted) return;
      const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      const victim = alive[Math.floor(random() * alive.length)];
      if (!victim) return;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 250)));
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      kills++;
      const next = await restart(victim);
      const readyAt = Date.now();
      readyMs.push(readyAt - killedAt);
      recovering ??= { killedAt, readyAt }; // a kill before the last one recovered is timed from the first
      log(`kill ${kills}/${moments.length} at ${Math.round(share * 100)}%: SIGKILL ${victim.name}, ${next.name} ready after ${readyAt - killedAt} ms`);
    },
    async finish({ figures, problems }) {
      figures.kills = kills;
      figures.restarts = readyMs.length;
      figures.killToReadyMs = spread(readyMs);
      // From a kill until the first status event of a change made after the replacement was ready.
      figures.killToProgressMs = spread(recoverMs);
      if (kills < moments.length) problems.push(`only ${kills} of ${moments.length} kills happened before the run ended`);
    },
    cleanup: async () => undefined,
  };
}

const BROKERS: readonly ScaleBroker[] = ['kafka', 'nats', 'rabbitmq', 'redis'];
const { broker, rest } = brokerArg(BROKERS, 'kafka');
const args = numberArgs({ events: 50_000, orders: 5_000, kills: 20, instances: 1, seed: 11 }, rest);
await main(`chaos: ${args.kills} × SIGKILL during ${args.events} events over ${args.orders} orders on ${broker}`, runOptions(args, {
  broker,
  instances: args.instances,
  timeoutMs: 15 * 60_000,
  ...CHAOS,
  chaos: killHook({ kills: args.kills, seed: args.seed }),
}));
