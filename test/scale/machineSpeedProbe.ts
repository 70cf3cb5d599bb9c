import { cpuUs, workUnit } from './workUnit.js';

/**
 * The machine-speed probe, a process of its own beside an overload run (`watchMachineSpeed`):
 * every 500 ms it does a fixed count of `workUnit`s and prints how many a millisecond of its CPU
 * time bought, as `SPEED <epoch ms> <units per CPU-ms>`. CPU time, not wall time: a probe
 * that waits for a core while the consumer has it is not slower for it.
 *
 * Why: on this workplace's machines (2 cores, shared) the same single-threaded loop of JSON work
 * ran 1.6× as fast as two minutes before, with nothing else of ours running; rates of two
 * consumers measured minutes apart can differ by that much for no reason of their own.
 * Its own cost: about 2 ms of CPU every 500 ms. Exits on SIGTERM, or when its stdin closes (the
 * harness that started it is gone).
 */
const EVERY_MS = 500;
const UNITS = 400;

for (let i = 0; i < 4 * UNITS; i++) workUnit(); // the JIT's warm-up, before the first reading
const timer = setInterval(() => {
  const start = cpuUs();
  for (let i = 0; i < UNITS; i++) workUnit();
  const used = Math.max(1, cpuUs() - start);
  process.stdout.write(`SPEED ${Date.now()} ${((UNITS * 1000) / used).toFixed(1)}\n`);
}, EVERY_MS);
const stop = () => {
  clearInterval(timer);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop).on('error', stop).resume();
