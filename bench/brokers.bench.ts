/**
 * Per broker, in one run: the broker's raw client acking with a no-op handler, Orderly's whole
 * pipeline with the Redis store, and a sequential consumer whose handler awaits 1 ms, all on the
 * same Go-style events (issue 3). Prints a Markdown table; `--write` puts it in BENCHMARKS.md.
 *
 *   npm run bench:brokers                                        # 1k and 100k orders, 3 rounds
 *   BENCH_ORDERS=1000,5000 BENCH_ROUNDS=1 npm run bench:brokers  # a quick smoke run
 *   npm run bench:brokers -- --write                             # and replace the Brokers section
 *   npm run bench:brokers -- --write=/tmp/b.md                   # ... of another file
 *   npm run bench:brokers -- --json=/tmp/b.json                  # and every measurement as JSON (for `npm run bench`)
 *
 * Settings (environment): BENCH_ORDERS, BENCH_BROKERS, BENCH_ROUNDS, BENCH_CREDIT,
 * BENCH_SEQUENTIAL_ORDERS, BENCH_HANDLER_MS, BENCH_TIMEOUT_S, BENCH_LOG_LEVEL, BENCH_WRITE (see
 * bench/brokers/benchSettings.ts), and Orderly's KAFKA_BROKERS, AMQP_URL, NATS_URL, REDIS_URL.
 *
 * Every measurement runs in a child process (`--task <broker> <kind> <orders> <run id>`) that
 * publishes, consumes and cleans up; the parent kills a child that overruns its deadline and
 * cleans up after it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_BROKERS, type BenchBroker } from './brokers/brokerBench.js';
import { consumeTimeoutMs, publishTimeoutMs, readBenchSettings } from './brokers/benchSettings.js';
import { brokersSection, writeSection } from './brokers/benchmarksSection.js';
import { inChild, killCurrentChild, type TaskOutcome } from './brokers/inChild.js';
import type { Measurement } from './brokers/meter.js';
import { resultTables, type CellResults } from './brokers/report.js';
import { cleanupRun, runTask, TASK_KINDS, type TaskKind } from './brokers/runTask.js';
import { runNames } from './brokers/runNames.js';
import { jsonOutputPath, writeJsonOutput, type RunRecord } from './report/jsonOutput.js';

const script = fileURLToPath(import.meta.url);
const settings = readBenchSettings(process.env, process.argv.slice(2));
const taskIndex = process.argv.indexOf('--task');

/** Prints the last line the parent reads, then exits once it is written (stdout may be a pipe). */
function finish(outcome: TaskOutcome, code: number): void {
  process.stdout.write(`${JSON.stringify(outcome)}\n`, () => process.exit(code));
}

if (taskIndex >= 0) {
  const [broker, kind, orders, runId] = process.argv.slice(taskIndex + 1);
  if (!(BENCH_BROKERS as readonly string[]).includes(broker ?? '') || !(TASK_KINDS as readonly string[]).includes(kind ?? '') || !runId) {
    throw new Error(`usage: --task <${BENCH_BROKERS.join('|')}> <${TASK_KINDS.join('|')}> <orders> <run id>`);
  }
  await runTask(settings, broker as BenchBroker, kind as TaskKind, Number(orders), runId).then(
    (measurement) => finish({ measurement }, 0),
    (error: unknown) => finish({ error: error instanceof Error ? error.message : String(error) }, 1),
  );
} else {
  const base = `bench-${Date.now().toString(36)}-${process.pid.toString(36)}`;
  let runs = 0;
  let running: { broker: BenchBroker; runId: string } | undefined;
  const interrupted = async () => {
    killCurrentChild();
    if (running) await cleanupRun(running.broker, runNames(running.runId), settings.urls);
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());

  const cells: CellResults[] = [];
  const records: (RunRecord<Measurement> & { readonly broker: BenchBroker })[] = [];
  for (const orders of settings.orders) {
    for (const broker of settings.brokers) {
      const cell: CellResults = { broker, orders, sequentialOrders: Math.min(orders, settings.sequentialOrders), runs: { raw: [], orderly: [], sequential: [] }, failures: [] };
      cells.push(cell);
      // Alternating raw, Orderly, sequential in every round, so a slow spell of the machine hits each of them alike.
      for (let round = 1; round <= settings.rounds; round++) {
        for (const kind of TASK_KINDS) {
          const n = kind === 'sequential' ? cell.sequentialOrders : orders;
          const runId = `${base}-${++runs}`;
          const label = `${broker} ${orders.toLocaleString('en')} orders, round ${round}/${settings.rounds}, ${kind}`;
          const deadline = publishTimeoutMs(n * 2) + consumeTimeoutMs(settings, n * 2) + 300_000; // the child's own deadlines come first
          running = { broker, runId };
          try {
            const m = await inChild(script, [broker, kind, String(n), runId], deadline);
            cell.runs[kind].push(m);
            records.push({ broker, size: orders, round, kind, measurement: m });
            process.stderr.write(`${label}: ${Math.round(m.messages / m.seconds).toLocaleString('en')} msg/s, ${(m.cpuSeconds / (m.messages / 1000)).toFixed(3)} CPU-s per 1k (${m.messages} msgs in ${m.seconds.toFixed(2)} s)\n`);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            cell.failures.push(`${kind}, round ${round}: ${message}`);
            records.push({ broker, size: orders, round, kind, error: message });
            process.stderr.write(`${label}: FAILED: ${message}\n`);
            // The child cleans up after itself unless it was killed; deleting twice is harmless.
            for (const problem of await cleanupRun(broker, runNames(runId), settings.urls)) process.stderr.write(`cleanup of ${runId}: ${problem}\n`);
          }
          running = undefined;
        }
      }
    }
  }

  process.stdout.write(`${resultTables(cells)}\n`);
  const json = jsonOutputPath(process.argv);
  if (json) await writeJsonOutput(json, { sequentialOrders: settings.sequentialOrders, records });
  if (settings.write) {
    const path = settings.write === '1' ? benchmarksFile() : settings.write;
    await writeSection(path, brokersSection(cells, settings));
    process.stderr.write(`wrote the brokers section of ${path}\n`);
  }
  process.exit(cells.some((c) => c.failures.length > 0) ? 1 : 0);
}

/** BENCHMARKS.md of the checkout this script was built in (dist/bench/ or any other build folder below it). */
function benchmarksFile(): string {
  for (let dir = dirname(script); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'BENCHMARKS.md')) && existsSync(join(dir, 'package.json'))) return join(dir, 'BENCHMARKS.md');
  }
  throw new Error('BENCHMARKS.md not found above the benchmark script; give a path: --write=<file>');
}
