import { spawn } from 'node:child_process';

/**
 * `npm run scale`: every scale run, one after another, each its own bounded process (Kafka, NATS
 * JetStream, RabbitMQ, then the race proof). Prints each run's verdict as it ends and a summary;
 * exits 1 if any failed. Extra arguments go to every run (e.g. `--orders 1000 --events 10000`).
 */
const RUNS = ['scaleKafka.js', 'scaleNats.js', 'scaleRabbitMq.js', 'scaleRace.js'] as const;
const results: { run: string; code: number | null; seconds: number }[] = [];
for (const run of RUNS) {
  const started = Date.now();
  const child = spawn(process.execPath, [new URL(`./${run}`, import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
  results.push({ run, code, seconds: Math.round((Date.now() - started) / 1000) });
}
console.log('\n== scale summary');
for (const r of results) console.log(`${r.code === 0 ? 'PASS' : 'FAIL'} ${r.run} (${r.seconds} s)`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
