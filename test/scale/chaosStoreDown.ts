import type { SpareBroker } from '../support/spareBroker.js';
import { startSpareRedis } from '../support/spareBrokers.js';
import { brokerArg, type ChaosHook } from './chaosHook.js';
import { CHAOS, runOptions } from './runOptions.js';
import { main, numberArgs } from './runScale.js';
import type { ScaleBroker } from './scaleBrokers.js';

/**
 * Chaos: the store unavailable mid-run. Orderly's store (and its hub bus and dead-letter index)
 * is a Redis this run starts on a spare port; once `at` of the transitions are out it is frozen
 * with SIGSTOP (connections stay open, nothing is answered: the worst kind of outage) for `downMs`,
 * then let go on. Nothing may be acked without its stored effect — the oracle finds every
 * confirmed event applied exactly once or dead-lettered — and processing must resume, in the
 * same processes, afterwards. `node dist/test/scale/chaosStoreDown.js [--broker kafka|nats|rabbitmq]
 * [--events 20000 --orders 2000 --down 10000 --at 0.3 --seed 13]`.
 */
function storeDownHook(store: SpareBroker, options: { at: number; downMs: number }): ChaosHook {
  let pausedAt: number | undefined;
  let resumedAt: number | undefined;
  let shareAtPause = 0;
  let shareAtResume: number | undefined;
  let firstProgressAfterMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const resume = () => {
    clearTimeout(timer);
    if (pausedAt === undefined || resumedAt !== undefined) return;
    store.resume();
    resumedAt = Date.now();
  };
  return {
    async tick({ share, lastNewStatusAt, log }) {
      if (pausedAt === undefined && share >= options.at) {
        shareAtPause = share;
        store.pause();
        pausedAt = Date.now();
        // A timer, not a tick: the run's own loop may itself be waiting on the frozen store.
        timer = setTimeout(() => {
          resume();
          log(`store resumed after ${Date.now() - pausedAt!} ms`);
        }, options.downMs);
        log(`store frozen (SIGSTOP) at ${Math.round(share * 100)}% of the transitions for ${options.downMs} ms`);
      }
      if (pausedAt !== undefined && resumedAt === undefined) shareAtResume = share; // the last tick while frozen
      if (resumedAt !== undefined && firstProgressAfterMs === undefined && lastNewStatusAt !== undefined && lastNewStatusAt > resumedAt) {
        firstProgressAfterMs = lastNewStatusAt - resumedAt;
        log(`progress again ${firstProgressAfterMs} ms after the store came back`);
      }
    },
    async finish({ figures, problems, processes }) {
      resume();
      figures.storeDownMs = pausedAt === undefined || resumedAt === undefined ? undefined : resumedAt - pausedAt;
      figures.storeDownAtShare = Math.round(shareAtPause * 1000) / 1000;
      // Share of the transitions whose status event arrived while the store was frozen (sent from the outbox before the freeze).
      figures.transitionsSeenWhileDown = shareAtResume === undefined ? undefined : Math.round((shareAtResume - shareAtPause) * 1000) / 1000;
      figures.resumeToProgressMs = firstProgressAfterMs;
      if (pausedAt === undefined) problems.push('the run ended before the store was frozen');
      else if (firstProgressAfterMs === undefined) problems.push('no progress after the store came back');
      const restarted = processes.filter((p) => p.child.exitCode !== null && p.child.signalCode === null);
      if (restarted.length > 0) problems.push(`${restarted.map((p) => p.name).join(', ')} exited during the run`);
    },
    async cleanup() {
      resume();
    },
  };
}

const { broker, rest } = brokerArg<ScaleBroker>(['kafka', 'nats', 'rabbitmq'], 'kafka');
const args = numberArgs({ events: 20_000, orders: 2_000, down: 10_000, at: 0.3, seed: 13 }, rest);
const store = await startSpareRedis();
console.log(`store: redis-server on port ${store.port} (data in ${store.dir})`);
await main(
  `chaos: the store frozen for ${args.down} ms during ${args.events} events over ${args.orders} orders on ${broker}`,
  runOptions(args, {
    broker,
    instances: 1,
    timeoutMs: 10 * 60_000,
    ...CHAOS,
    env: { REDIS_URL: store.url },
    chaos: storeDownHook(store, { at: args.at, downMs: args.down }),
  }),
  () => store.dispose(),
);
