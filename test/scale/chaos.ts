import { spawn } from 'node:child_process';

/**
 * `npm run chaos`: every chaos run, one after another, each its own bounded process with its
 * defaults: SIGKILL ×20 on each broker, the store frozen, a Kafka member frozen past its session,
 * each broker restarted, fuzzed input. Prints each run's verdict as it ends and a summary; exits 1
 * if any failed. `--events N` sizes every run (e.g. `npm run chaos -- --events 5000`): orders at
 * one per ten events, kills at one per 2,500 (3 to 20), fuzzed messages at one per two events.
 */
const BROKERS = ['kafka', 'nats', 'rabbitmq', 'redis'] as const;
const RUNS: ReadonlyArray<readonly [script: string, ...args: string[]]> = [
  ...BROKERS.map((broker) => ['chaosKill.js', '--broker', broker] as const),
  ['chaosStoreDown.js'],
  ['chaosPause.js'],
  ...BROKERS.map((broker) => ['chaosBrokerRestart.js', '--broker', broker] as const),
  ['chaosFuzz.js'],
];
const i = process.argv.indexOf('--events');
const events = i < 0 ? undefined : Number(process.argv[i + 1]);
if (events !== undefined && !(Number.isInteger(events) && events >= 100)) throw new Error(`--events must be a whole number of at least 100, not ${process.argv[i + 1]}`);
const sizeArgs = (run: string) => {
  if (events === undefined) return [];
  const size = ['--events', String(events), '--orders', String(Math.max(10, Math.floor(events / 10)))];
  // A smaller load has room for fewer restarts (each takes ~6 s on Kafka) and keeps the one fuzzed message per two valid ones.
  if (run === 'chaosKill.js') return [...size, '--kills', String(Math.min(20, Math.max(3, Math.floor(events / 2_500))))];
  if (run === 'chaosFuzz.js') return [...size, '--fuzz', String(Math.floor(events / 2))];
  return size;
};
const results: { run: string; code: number | null; seconds: number }[] = [];
for (const [script, ...args] of RUNS) {
  const started = Date.now();
  const child = spawn(process.execPath, [new URL(`./${script}`, import.meta.url).pathname, ...args, ...sizeArgs(script)], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
  results.push({ run: [script, ...args].join(' '), code, seconds: Math.round((Date.now() - started) / 1000) });
}
console.log('\n== chaos summary');
for (const r of results) console.log(`${r.code === 0 ? 'PASS' : 'FAIL'} ${r.run} (${r.seconds} s)`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
