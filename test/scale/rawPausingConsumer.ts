import { Redis } from 'ioredis';
import { cpuUs, workUnit } from './workUnit.js';

/**
 * The overload run's baseline: a raw ioredis consumer of one Redis stream, what one would write
 * without Orderly. A reader fills a bounded in-memory queue with `XREADGROUP COUNT <room left>`
 * and pauses while the queue is full (the stream keeps the backlog); workers take from the queue,
 * do a stand-in for Orderly's work on a message (`workUnit`, as many units as took
 * `RAW_WORK_CPU_US` of CPU time when this process started), record the message id with
 * `HINCRBY <RAW_EFFECTS> <id> 1` and `XACK` it in one `MULTI`. No retries, no claims, no dedup:
 * one member that never fails. Prints `RAW-READY` once its group exists and its first read is out;
 * SIGTERM stops reading and exits once the held messages are acked.
 *
 * Env: `REDIS_URL`, `RAW_STREAM`, `RAW_GROUP`, `RAW_EFFECTS` (a hash key), `RAW_CREDIT` (queue
 * bound plus messages in work; default 256), `RAW_CONCURRENCY` (workers; default 32),
 * `RAW_WORK_CPU_US` (default 0).
 */
const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const stream = env('RAW_STREAM');
const group = env('RAW_GROUP');
const effects = env('RAW_EFFECTS');
const credit = Number(env('RAW_CREDIT', '256'));
const concurrency = Number(env('RAW_CONCURRENCY', '32'));
const workCpuUs = Number(env('RAW_WORK_CPU_US', '0'));
/** Most work for one message, in CPU time at the calibrated speed: a budget never turns into a stall. */
const MAX_WORK_US = 20_000;

const redis = new Redis(env('REDIS_URL', 'redis://127.0.0.1:6379'), { maxRetriesPerRequest: 2 });
const reader = redis.duplicate();
await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: Error) => {
  if (!error.message.startsWith('BUSYGROUP')) throw error;
});

const queue: { id: string; messageId: string }[] = [];
let working = 0;
let stopping = false;
let readerDone = false;
let wakeReader: (() => void) | undefined;
let wakeWorkers: (() => void)[] = [];
/**
 * Units per µs of CPU time, measured over 1 s of CPU once the process is up (after a short
 * warm-up). The work per message is a count of units, not a span of CPU time: on a busy machine
 * each unit takes longer, as Orderly's handling does (its CPU per message rises with the
 * producer's rate beside it: BENCHMARKS.md), where a spin until a CPU budget is used up would not.
 */
const unitsPerCpuUs = (() => {
  for (const warm = cpuUs(); cpuUs() - warm < 200_000; ) workUnit();
  const start = cpuUs();
  let units = 0;
  while (cpuUs() - start < 1_000_000) {
    for (let i = 0; i < 100; i++) workUnit();
    units += 100;
  }
  return units / (cpuUs() - start);
})();
const unitsPerMessage = Math.round(Math.min(workCpuUs, MAX_WORK_US) * unitsPerCpuUs);

const read = async () => {
  let first = true;
  while (!stopping) {
    const room = credit - queue.length - working;
    if (room <= 0) {
      // Paused: nothing is read until a worker settles one (the backlog stays in the stream).
      await new Promise<void>((resolve) => (wakeReader = resolve));
      continue;
    }
    const reading = reader.xreadgroup('GROUP', group, 'raw', 'COUNT', room, 'BLOCK', 1000, 'STREAMS', stream, '>') as Promise<[string, [string, string[]][]][] | null>;
    if (first) console.log(`RAW-READY ${unitsPerMessage} work units per message (${unitsPerCpuUs.toFixed(3)} per µs)`);
    first = false;
    const reply = await reading;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      const at = fields.indexOf('id');
      queue.push({ id, messageId: at >= 0 && at % 2 === 0 ? fields[at + 1]! : id });
    }
    wakeAllWorkers();
  }
};

const work = async () => {
  for (;;) {
    const next = queue.shift();
    if (!next) {
      if (readerDone) return;
      await new Promise<void>((resolve) => wakeWorkers.push(resolve));
      continue;
    }
    working++;
    for (let i = 0; i < unitsPerMessage; i++) workUnit();
    await redis.multi().hincrby(effects, next.messageId, 1).xack(stream, group, next.id).exec();
    working--;
    const wake = wakeReader;
    wakeReader = undefined;
    wake?.();
  }
};

const wakeAllWorkers = () => {
  for (const wake of wakeWorkers) wake();
  wakeWorkers = [];
};
process.once('SIGTERM', () => {
  stopping = true;
  wakeReader?.();
});

const workers = Array.from({ length: concurrency }, work);
await read();
readerDone = true;
wakeAllWorkers();
await Promise.all(workers);
reader.disconnect();
await redis.quit();
process.exit(0);
