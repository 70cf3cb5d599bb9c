import { mulberry32 } from '../../src/app/cli/simulateOrders.js';
import type { ChaosHook } from './chaosHook.js';
import type { OrderlyProcess } from './orderlyProcess.js';
import { CHAOS, runOptions } from './runOptions.js';
import { main, numberArgs } from './runScale.js';

/** Kafka client log lines of a member that lost its place in the group: its commits are refused. */
const FENCED = /rebalanc|not aware of this member|generation|unknown.?member|illegal_generation|commit/i;

/**
 * Chaos: one of two Orderly processes in a Kafka consumer group frozen with SIGSTOP for `pause` ms,
 * past the group's session timeout (6 s), so the broker gives its partitions to the other, which
 * goes on with them; then let go on (SIGCONT) with whatever it had fetched and not settled. It must
 * apply none of that a second time: the store's compare-and-set refuses its stale writes and the
 * ids already applied make it a duplicate, so the oracle still finds every event applied exactly
 * once, in publish order. Its refused (fenced) offset commits show in its log.
 * `node dist/test/scale/chaosPause.js [--events 20000 --orders 2000 --pause 20000 --at 0.3 --seed 17]`.
 */
function pauseHook(options: { at: number; pauseMs: number; seed: number }): ChaosHook {
  const random = mulberry32(options.seed);
  let paused: { process: OrderlyProcess; at: number; share: number; warningsBefore: number } | undefined;
  let resumedAt: number | undefined;
  let shareAtResume: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const fencedLines = (p: OrderlyProcess) => [...p.warnings].filter(([message]) => FENCED.test(message)).reduce((sum, [, n]) => sum + n, 0);
  const resume = () => {
    clearTimeout(timer);
    if (!paused || resumedAt !== undefined) return;
    paused.process.child.kill('SIGCONT');
    resumedAt = Date.now();
  };
  return {
    async tick({ share, processes, log }) {
      if (!paused && share >= options.at) {
        const victim = processes[Math.floor(random() * processes.length)]!;
        victim.child.kill('SIGSTOP');
        paused = { process: victim, at: Date.now(), share, warningsBefore: fencedLines(victim) };
        timer = setTimeout(() => {
          resume();
          log(`SIGCONT ${victim.name} after ${Date.now() - paused!.at} ms`);
        }, options.pauseMs);
        log(`SIGSTOP ${victim.name} at ${Math.round(share * 100)}% of the transitions for ${options.pauseMs} ms`);
      }
      if (paused && resumedAt === undefined) shareAtResume = share; // the last tick while frozen
    },
    async finish({ figures, problems, log }) {
      if (!paused) {
        problems.push('the run ended before a process was paused');
        return;
      }
      // The whole pause even if the other member finished the load meanwhile; then time for the
      // resumed one to go on with what it held, before the oracle reads the store.
      const left = paused.at + options.pauseMs - Date.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      resume();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      figures.paused = paused.process.name;
      figures.pausedMs = resumedAt === undefined ? undefined : resumedAt - paused.at;
      // The other member took over: transitions seen while one was frozen.
      figures.shareDoneWhilePaused = shareAtResume === undefined ? undefined : Math.round((shareAtResume - paused.share) * 1000) / 1000;
      figures.fencedLogLines = fencedLines(paused.process) - paused.warningsBefore;
      if (paused.process.child.exitCode !== null) problems.push(`${paused.process.name} exited after it was resumed (${String(paused.process.child.exitCode)})`);
      if (figures.shareDoneWhilePaused === 0) problems.push('nothing was applied while one member was frozen: the other never took over');
      log(`the resumed member logged ${String(figures.fencedLogLines)} group/commit warnings (fenced)`);
    },
    async cleanup() {
      resume();
    },
  };
}

const args = numberArgs({ events: 20_000, orders: 2_000, pause: 20_000, at: 0.3, seed: 17 });
await main(`chaos: one of two Kafka members frozen for ${args.pause} ms during ${args.events} events over ${args.orders} orders`, runOptions(args, {
  broker: 'kafka',
  instances: 2,
  timeoutMs: 10 * 60_000,
  ...CHAOS,
  chaos: pauseHook({ at: args.at, pauseMs: args.pause, seed: args.seed }),
}));
