/**
 * Fan-out of order changes to many WebSocket clients, in one run: Orderly's hub (fastify, the
 * WebSocket gateway, the hub actor, the in-process cluster bus) against a bare `ws` server
 * broadcasting the same frames, at 1k and 10k clients (issue 4). Prints a Markdown table;
 * `--write` puts it in BENCHMARKS.md.
 *
 *   npm run bench:hub                                        # 1k and 10k clients, 3 rounds
 *   BENCH_CLIENTS=200 BENCH_ROUNDS=1 npm run bench:hub       # a quick smoke run
 *   npm run bench:hub -- --write                             # and replace the Hub fan-out section
 *   npm run bench:hub -- --write=/tmp/b.md                   # ... of another file
 *   npm run bench:hub -- --json=/tmp/b.json                  # and every measurement as JSON (for `npm run bench`)
 *
 * Settings (environment): BENCH_CLIENTS, BENCH_ROUNDS, BENCH_MESSAGES, BENCH_WARMUP,
 * BENCH_PACED_MESSAGES, BENCH_PACED_RATE, BENCH_CONCURRENCY, BENCH_WRITE (see
 * bench/hub/hubBenchSettings.ts).
 *
 * Every measurement runs two child processes of this script, driven over IPC: `--task server
 * <bare|hub> <clients>` and `--task clients <clients>`, each started under `ulimit -n` raised to
 * the hard limit. The parent kills any child that does not stop within its grace period.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientTask } from './hub/clientTask.js';
import { deliveriesPerSecond, fanOutTables, type SizeResults } from './hub/fanOutReport.js';
import { FAN_OUT_KINDS } from './hub/fanOutServer.js';
import { hubFanOutSection, writeHubSection } from './hub/hubBenchmarksSection.js';
import { readHubBenchSettings } from './hub/hubBenchSettings.js';
import { runFanOut, runningTasks, type FanOutMeasurement } from './hub/runFanOut.js';
import { serverTask } from './hub/serverTask.js';
import { jsonOutputPath, writeJsonOutput, type RunRecord } from './report/jsonOutput.js';

const script = fileURLToPath(import.meta.url);
const taskIndex = process.argv.indexOf('--task');

if (taskIndex >= 0) {
  const [role, ...rest] = process.argv.slice(taskIndex + 1);
  if (role === 'server') serverTask(rest[0] ?? '', Number(rest[1]));
  else if (role === 'clients') clientTask(Number(rest[0]));
  else throw new Error('usage: --task server <bare|hub> <clients> | --task clients <clients>');
} else {
  const settings = readHubBenchSettings(process.env, process.argv.slice(2));
  const descriptorLimit = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  const loadBefore = loadavg()[0] ?? 0;
  const interrupted = () => {
    for (const task of runningTasks) task.kill();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const sizes: SizeResults[] = [];
  const records: RunRecord<FanOutMeasurement>[] = [];
  for (const clients of settings.clients) {
    const size: SizeResults = { clients, runs: { bare: [], hub: [] }, failures: [] };
    sizes.push(size);
    // Alternating bare and hub in every round, so a slow spell of the shared machine hits both alike.
    for (let round = 1; round <= settings.rounds; round++) {
      for (const kind of FAN_OUT_KINDS) {
        const label = `${clients.toLocaleString('en')} clients, round ${round}/${settings.rounds}, ${kind}`;
        try {
          const m = await runFanOut(script, settings, kind, clients);
          size.runs[kind].push(m);
          records.push({ size: clients, round, kind, measurement: m });
          process.stderr.write(
            `${label}: ${Math.round(deliveriesPerSecond(m)).toLocaleString('en')} deliveries/s, burst p50 ${m.burst.latency.p50.toFixed(1)} ms p99 ${m.burst.latency.p99.toFixed(1)} ms, ` +
              `paced p50 ${m.paced.latency.p50.toFixed(2)} ms p99 ${m.paced.latency.p99.toFixed(2)} ms, ` +
              `${(m.memoryPerConnection.rssBytes / 1024).toFixed(1)} KiB RSS and ${(m.memoryPerConnection.heapBytes / 1024).toFixed(1)} KiB heap per connection (connected in ${m.connectSeconds.toFixed(1)} s)\n`,
          );
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          size.failures.push(`${kind}, round ${round}: ${message}`);
          records.push({ size: clients, round, kind, error: message });
          process.stderr.write(`${label}: FAILED: ${message}\n`);
        }
      }
    }
  }

  process.stdout.write(`${fanOutTables(sizes, settings.pacedRate)}\n`);
  const json = jsonOutputPath(process.argv);
  if (json) await writeJsonOutput(json, { pacedRate: settings.pacedRate, records });
  if (settings.write) {
    const path = settings.write === '1' ? benchmarksFile() : settings.write;
    await writeHubSection(path, hubFanOutSection(sizes, settings, { descriptorLimit, loadBefore, loadAfter: loadavg()[0] ?? 0 }));
    process.stderr.write(`wrote the hub fan-out section of ${path}\n`);
  }
  process.exit(sizes.some((s) => s.failures.length > 0) ? 1 : 0);
}

/** BENCHMARKS.md of the checkout this script was built in (dist/bench/ or any other build folder below it). */
function benchmarksFile(): string {
  for (let dir = dirname(script); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'BENCHMARKS.md')) && existsSync(join(dir, 'package.json'))) return join(dir, 'BENCHMARKS.md');
  }
  throw new Error('BENCHMARKS.md not found above the benchmark script; give a path: --write=<file>');
}
