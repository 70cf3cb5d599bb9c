/**
 * End-to-end latency from a broker publish to WebSocket receipt (issue 4): Orderly (Redis
 * Streams → pipeline with the Redis store → hub → `/ws`) against ioredis forwarding each entry
 * straight to a bare `ws` server, both offered the same load: half of the slower path's capacity,
 * found first by a saturation burst. Prints a Markdown table; `--write` puts it in BENCHMARKS.md.
 *
 *   npm run bench:latency                                  # capacity, then 3 rounds at 50%
 *   BENCH_ORDERS=500 BENCH_ROUNDS=1 BENCH_SATURATION_ORDERS=2000 BENCH_SATURATION_ROUNDS=1 npm run bench:latency
 *   npm run bench:latency -- --write                       # and replace the end-to-end latency section
 *   npm run bench:latency -- --write=/tmp/b.md             # ... of another file
 *   npm run bench:latency -- --json=/tmp/b.json            # and every measurement as JSON (for `npm run bench`)
 *
 * Settings (environment): BENCH_ROUNDS, BENCH_ORDERS, BENCH_WARMUP_ORDERS, BENCH_SATURATION_ORDERS,
 * BENCH_SATURATION_ROUNDS, BENCH_LOAD, BENCH_RATE, BENCH_WINDOW, BENCH_LOG_LEVEL, BENCH_ORDERLY_ENV, BENCH_WRITE (see
 * bench/realtimeLatency/latencySettings.ts), and Orderly's REDIS_URL.
 *
 * Every measurement runs three child processes of this script, driven over IPC: `--task server
 * <orderly|raw> <run id>`, `--task receiver` and `--task producer`. The parent kills any that does
 * not stop within its grace period, and deletes the run's streams and keys after every measurement.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNames } from './brokers/runNames.js';
import { cleanupRun } from './brokers/runTask.js';
import { latencyTables, slowerCapacity, deliveredRate, type LatencyResults } from './realtimeLatency/latencyReport.js';
import { latencySection, writeLatencySection } from './realtimeLatency/latencySection.js';
import { readLatencySettings } from './realtimeLatency/latencySettings.js';
import { PATH_KINDS, type PathKind } from './realtimeLatency/pathServer.js';
import { producerTask } from './realtimeLatency/producerTask.js';
import { receiverTask } from './realtimeLatency/receiverTask.js';
import { runPath, runningTasks, type PathMeasurement } from './realtimeLatency/runPath.js';
import { serverTask } from './realtimeLatency/serverTask.js';
import { jsonOutputPath, writeJsonOutput, type RunRecord } from './report/jsonOutput.js';

const script = fileURLToPath(import.meta.url);
const settings = readLatencySettings(process.env, process.argv.slice(2));
const taskIndex = process.argv.indexOf('--task');

if (taskIndex >= 0) {
  const [role, ...rest] = process.argv.slice(taskIndex + 1);
  if (role === 'server') serverTask({ kind: rest[0] ?? '', runId: rest[1] ?? '', redisUrl: settings.urls.redisUrl, window: settings.window, logLevel: settings.logLevel, orderlyEnv: settings.orderlyEnv });
  else if (role === 'receiver') receiverTask();
  else if (role === 'producer') producerTask(settings.urls.redisUrl);
  else throw new Error('usage: --task server <orderly|raw> <run id> | --task receiver | --task producer');
} else {
  const base = `lat-${Date.now().toString(36)}-${process.pid.toString(36)}`;
  const loadBefore = loadavg()[0] ?? 0;
  let runs = 0;
  let running: string | undefined;
  const cleanup = async (runId: string) => {
    for (const problem of await cleanupRun('redis', runNames(runId), settings.urls)) process.stderr.write(`cleanup of ${runId}: ${problem}\n`);
  };
  const interrupted = async () => {
    for (const task of runningTasks) task.kill();
    if (running) await cleanup(running);
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());

  const failures: string[] = [];
  const records: RunRecord<PathMeasurement>[] = [];
  /** One measurement on fresh streams and keys, deleted afterwards; undefined (and a failure noted) when it failed. */
  const measure = async (label: string, kind: PathKind, orders: number, rate: number): Promise<PathMeasurement | undefined> => {
    const runId = `${base}-${++runs}`;
    running = runId;
    try {
      return await runPath(script, settings, kind, runId, orders, rate);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${label}: ${message}`);
      process.stderr.write(`${label}: FAILED: ${message}\n`);
      return undefined;
    } finally {
      await cleanup(runId);
      running = undefined;
    }
  };

  const saturation: Record<PathKind, PathMeasurement[]> = { orderly: [], raw: [] };
  if (settings.rate === undefined) {
    for (let round = 1; round <= settings.saturationRounds; round++) {
      for (const kind of PATH_KINDS) {
        const label = `capacity, round ${round}/${settings.saturationRounds}, ${kind}`;
        const m = await measure(label, kind, settings.saturationOrders, 0);
        records.push({ size: 'capacity', round, kind, ...(m === undefined ? { error: failures.at(-1) } : { measurement: m }) });
        if (m === undefined) continue;
        saturation[kind].push(m);
        process.stderr.write(`${label}: ${Math.round(deliveredRate(m)).toLocaleString('en')} events/s delivered (producer ${Math.round(m.published.events / m.published.seconds).toLocaleString('en')} events/s)\n`);
      }
    }
  }
  const capacity = slowerCapacity(saturation);
  const rate = settings.rate ?? (capacity === undefined ? undefined : Math.max(1, Math.round(capacity * settings.load)));
  const json = jsonOutputPath(process.argv);
  if (rate === undefined) {
    if (json) await writeJsonOutput(json, { rate: null, records });
    process.stderr.write(`no capacity measured for both paths; nothing to offer:\n${failures.join('\n')}\n`);
    process.exit(1);
  }
  process.stderr.write(`offering ${rate.toLocaleString('en')} events/s to both paths\n`);

  const latency: Record<PathKind, PathMeasurement[]> = { orderly: [], raw: [] };
  // Alternating Orderly and raw in every round, so a slow spell of the shared machine hits both alike.
  for (let round = 1; round <= settings.rounds; round++) {
    for (const kind of PATH_KINDS) {
      const label = `latency at ${rate.toLocaleString('en')} events/s, round ${round}/${settings.rounds}, ${kind}`;
      const m = await measure(label, kind, settings.orders, rate);
      records.push({ size: 'latency', round, kind, ...(m === undefined ? { error: failures.at(-1) } : { measurement: m }) });
      if (m === undefined) continue;
      latency[kind].push(m);
      const { p50, p99, max } = m.received.latency;
      process.stderr.write(`${label}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms over ${m.received.received} events (producer's worst lag ${m.published.maxLagMs.toFixed(1)} ms)\n`);
    }
  }

  const results: LatencyResults = { saturation, rate, rateSource: settings.rate === undefined ? 'measured' : 'BENCH_RATE', latency, failures };
  process.stdout.write(`${latencyTables(results)}\n`);
  if (json) await writeJsonOutput(json, { rate, records });
  if (settings.write) {
    const path = settings.write === '1' ? benchmarksFile() : settings.write;
    await writeLatencySection(path, latencySection(results, settings, { before: loadBefore, after: loadavg()[0] ?? 0 }));
    process.stderr.write(`wrote the end-to-end latency section of ${path}\n`);
  }
  process.exit(failures.length > 0 ? 1 : 0);
}

/** BENCHMARKS.md of the checkout this script was built in (dist/bench/ or any other build folder below it). */
function benchmarksFile(): string {
  for (let dir = dirname(script); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'BENCHMARKS.md')) && existsSync(join(dir, 'package.json'))) return join(dir, 'BENCHMARKS.md');
  }
  throw new Error('BENCHMARKS.md not found above the benchmark script; give a path: --write=<file>');
}
