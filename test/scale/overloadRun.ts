import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createBrokerGateway } from '../../src/app/brokerGateway.js';
import { loadConfig } from '../../src/app/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { testAuthEnv } from '../support/auth.js';
import { keysOf } from '../support/redisOrders.js';
import { collectStatusEvents, type StatusCollector } from './collectStatusEvents.js';
import { openJournal, readNdjson, type JournalEntry, type JournalWriter } from './journal.js';
import { planOrders } from './loadPlan.js';
import { watchMachineSpeed } from './machineSpeed.js';
import { checkRun } from './oracle.js';
import { recoveryOf, type Recovery } from './overloadRecovery.js';
import { rawEffectsVerdict } from './overloadVerdict.js';
import { measureAckedRate, readGroupBacklog, residentMiB, until, type GroupBacklog } from './overloadProbe.js';
import { startOrderly, type OrderlyProcess } from './orderlyProcess.js';
import { publishLoad } from './publishLoad.js';
import { outboxBacklog, readDeadLetters, readStoredOrders } from './readOrderly.js';
import { brokerRun } from './scaleBrokers.js';

export interface OverloadRunOptions {
  /** `orderly`: one Orderly process with the Redis store; `raw`: the raw-client baseline (`rawPausingConsumer`). */
  readonly target: 'orderly' | 'raw';
  /** The consumer's credit: Orderly's `ORDERLY_CREDIT`, the raw client's queue bound. */
  readonly credit: number;
  /**
   * The sustainable rate S, measured first: this many messages published before the consumer starts;
   * its acked rate over 5 s with the producer idle, then over 10 s with the producer publishing
   * at that rate beside it, then, S, its acked rate over `seconds` with the producer at the rate
   * of those 10 s.
   */
  readonly measure: { readonly prefill: number; readonly seconds: number };
  /** The raw client's work per message, as the CPU time (µs) it takes on an idle machine. */
  readonly workCpuUs?: number;
  readonly overloadSeconds: number;
  /** Share of the sustainable rate during the overload (2) and after it (0.5). */
  readonly overloadFactor: number;
  readonly normalFactor: number;
  /** After the overload, give up waiting for the lag to drain after this long. */
  readonly drainTimeoutMs: number;
  readonly eventsPerOrder: number;
  readonly seed: number;
  /** More settings for the Orderly process. */
  readonly env?: Record<string, string>;
  /** Flags for the consumer's `node` that `NODE_OPTIONS` refuses (V8's heap growth, say). */
  readonly nodeArgs?: readonly string[];
  log(line: string): void;
}

/** One second of the run. */
export interface OverloadSample extends GroupBacklog {
  readonly atS: number;
  readonly phase: 'measure' | 'overload' | 'normal';
  readonly rssMiB: number;
  /** The machine's speed over the second before (`watchMachineSpeed`), when the probe had a reading. */
  readonly speed?: number;
}

export interface OverloadResult {
  readonly run: string;
  readonly target: 'orderly' | 'raw';
  /** S the load was made from (messages/s). */
  readonly rate: number;
  /** The consumer's acked rate with a backlog waiting and the producer idle: the first estimate, when measured. */
  readonly idleRate?: number;
  /** S: the consumer's own acked rate over the measurement (a backlog waiting, the producer beside it at the rate it acked just before), when measured. */
  readonly measuredRate?: number;
  /** The consumer's CPU per acked message over the measurement (µs). */
  readonly cpuUsPerMessage?: number;
  /** The machine's speed while S was measured (work units per CPU-ms, `watchMachineSpeed`). */
  readonly speedDuringS?: number;
  /** Resident set once the measurement's backlog was drained (or at ready), before the overload. */
  readonly restRssMiB: number;
  /** VmHWM at the end: the highest resident set of the process's whole life. */
  readonly peakRssMiB: number;
  readonly maxLag: number;
  readonly overloadPublished: number;
  readonly overloadPublishRate: number;
  /** From the end of the overload until the lag was below one second of normal traffic. */
  readonly drainMs?: number;
  /** The drain against the one the consumer's own rate under the overload predicts, when it drained. */
  readonly recovery?: Recovery;
  readonly verdictLine: string;
  /** Anything here fails the run; the clean-up may still add to it after the result is returned. */
  readonly problems: string[];
}

/** What `--json` writes: one round of the bench's `overload` scenario. */
export interface OverloadJson {
  /** The memory bound stated before the run (MiB). */
  readonly bound: number;
  readonly workCpuUs?: number | undefined;
  readonly orderly?: OverloadResult | undefined;
  readonly raw?: OverloadResult | undefined;
  /** Everything that failed the run, the missed bound and the slow drain included. */
  readonly failures: readonly string[];
}

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
/** How long the rest may take once publishing stopped: the oracle's reader goes through every status event of the run then. */
const SETTLE_TIMEOUT_MS = 180_000;
/** How long the first estimate of S, with the producer idle, is measured (s). */
const IDLE_ESTIMATE_S = 5;
/** How long the producer publishes at the idle estimate before S itself is measured beside it (s). */
const BESIDE_FIRST_S = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One overload run against the machine's Redis (Streams as the broker, and Orderly's store),
 * everything named for the run and removed afterwards, even on failure: the sustainable rate
 * S measured first (with the producer beside the consumer), then the load
 * published at `overloadFactor`×S for `overloadSeconds` and at `normalFactor`×S until the lag
 * drains, the consumer's resident set and the group's lag sampled every second, and everything
 * published accounted for at the end (the oracle for Orderly; the recorded effects for the raw
 * client). Every wait is bounded.
 */
export async function overloadRun(options: OverloadRunOptions): Promise<OverloadResult> {
  const run = `overload-${options.target}-${process.pid}-${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const keyPrefix = `${run}:`;
  const dir = `artifacts/scale/${run}`;
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ORDERLY_STORE: 'redis',
    ORDERLY_REDIS_KEY_PREFIX: keyPrefix,
    ORDERLY_CHANNEL_PREFIX: prefix,
    ORDERLY_CHANNELS: 'orders',
    ORDERLY_CONSUMER_GROUP: run,
    ORDERLY_JOBS_GROUP: `${run}-jobs`,
    ORDERLY_JOBS_PAID_EMAIL: 'false',
    ORDERLY_CREDIT: String(options.credit),
    ORDERLY_DLQ_MAX_ENTRIES: '1000000', // the oracle reads every dead letter from the index
    ...testAuthEnv,
    ...brokerRun('redis', run).env,
    ...options.env,
  };
  const config = loadConfig(env);
  const stream = `${prefix}orders`;
  const effects = `${keyPrefix}raw:effects`;
  const redis = new Redis(config.REDIS_URL);
  redis.on('error', () => undefined);
  const gateway = createBrokerGateway('redis', config, systemClock, silentLog);
  const problems: string[] = [];
  const samples: OverloadSample[] = [];
  const startedAt = Date.now();
  // Every publish is journalled to disk and read back for the verdict once publishing is over:
  // kept in memory, a million entries made the producer's garbage collection the largest part of
  // its CPU, which on 2 cores it takes from the consumer under test.
  const journalPath = `${dir}/journal.ndjson`;
  /** One of the run's three loads (the prefill `m`, beside the measurement `b`, the overload `x`), planned as it is published. */
  const loadOf = (events: number, seedOffset: number, tag: string) =>
    planOrders({ orders: Math.ceil(events / options.eventsPerOrder), events, users: 100, seed: options.seed + seedOffset, runId: `${run}-${tag}`, mix: 'story' });
  let consumer: OrderlyProcess | undefined;
  let status: StatusCollector | undefined;
  let journal: JournalWriter | undefined;
  // The machine's own speed moves by more than the consumers differ (`machineSpeedProbe`): recorded beside every sample.
  const machine = watchMachineSpeed();
  const sample = async (phase: OverloadSample['phase']) => {
    consumer!.sample();
    const now = Date.now();
    const speed = machine.between(now - 1000, now);
    const at = { atS: Math.round((now - startedAt) / 100) / 10, phase, rssMiB: Math.round(residentMiB(consumer!.child.pid)), ...(speed === undefined ? {} : { speed }), ...(await readGroupBacklog(redis, stream, run)) };
    samples.push(at);
    return at;
  };

  try {
    journal = openJournal(journalPath);
    const consumerEnv = options.target === 'orderly' ? env : { REDIS_URL: config.REDIS_URL, RAW_STREAM: stream, RAW_GROUP: run, RAW_EFFECTS: effects, RAW_CREDIT: String(options.credit), RAW_WORK_CPU_US: String(Math.round(options.workCpuUs ?? 0)) };

    const prefillPlan = loadOf(options.measure.prefill, 0, 'm');
    const prefill = publishLoad({ sink: gateway, channel: stream, plan: prefillPlan, journal, perOrder: 'sequential', keepEntries: false });
    await prefill.done;
    consumer = await startOrderly(`${options.target}-1`, consumerEnv, options.target, { nodeArgs: options.nodeArgs ?? [] });
    const probe = { sample: () => sample('measure'), cpuSeconds: () => consumer!.cpuSeconds() };
    // A first estimate with the producer idle: the rate it publishes at while S itself is measured.
    const idleRate = (await measureAckedRate(probe, IDLE_ESTIMATE_S))?.rate ?? 0;
    if (!(idleRate > 0)) throw new Error(`no rate measured with the producer idle: ${JSON.stringify(samples.at(-1))}`);
    // S is measured with the producer publishing beside the consumer, as it does in the run: on a
    // machine of 2 cores they share the CPU, and an S measured without it is more than the
    // consumer keeps up once the producer runs (BENCHMARKS.md has the rounds that showed it).
    // The producer first publishes at the idle estimate, then at what the consumer acked beside
    // it, and S is the acked rate then: close to the rate a consumer keeps up with a producer
    // at that same rate. One window alone went wrong both ways when the estimate was off.
    options.log(`${options.target}: ${Math.round(idleRate)}/s with the producer idle; measuring the sustainable rate with the producer beside it (${BESIDE_FIRST_S} s, then ${options.measure.seconds} s)`);
    let producerRate = idleRate;
    const stopProducer = new AbortController();
    const besideEvents = Math.ceil(idleRate * 1.5 * (BESIDE_FIRST_S + options.measure.seconds + 10));
    const besidePlan = loadOf(besideEvents, 2, 'b');
    const beside = publishLoad({ sink: gateway, channel: stream, plan: besidePlan, journal, perOrder: 'sequential', keepEntries: false, concurrency: 512, rate: () => producerRate, signal: stopProducer.signal });
    const first = await measureAckedRate(probe, BESIDE_FIRST_S);
    if (first !== undefined) producerRate = first.rate;
    const measuredFrom = Date.now();
    const measured = await measureAckedRate(probe, options.measure.seconds);
    const speedDuringS = machine.between(measuredFrom, Date.now());
    stopProducer.abort();
    await beside.done;
    if (!measured || !(measured.rate > 0)) throw new Error(`no sustainable rate measured: ${JSON.stringify(samples.at(-1))}`);
    if (measured.windowS < 5) problems.push(`the prefill ran out after ${measured.windowS.toFixed(1)} s of measuring: give more with --prefill`);
    const { rate, cpuUsPerMessage } = measured;
    options.log(`${options.target}: sustainable rate ${Math.round(rate)}/s, ${Math.round(cpuUsPerMessage)} µs CPU per message; draining the rest`);
    if (!(await until(() => sample('measure').then((s) => s.lag === 0 && s.pending === 0), 120_000))) throw new Error('the measurement backlog did not drain within 120 s');
    const restRssMiB = residentMiB(consumer.child.pid);

    // The overload, then normal traffic until the lag is below one second of it.
    const high = options.overloadFactor * rate;
    const normal = options.normalFactor * rate;
    const expectedDrainS = ((high - rate) * options.overloadSeconds) / Math.max(1, rate - normal);
    const events = Math.ceil(high * options.overloadSeconds + normal * (expectedDrainS * 1.5 + 10));
    const plan = loadOf(events, 1, 'x');
    const abort = new AbortController();
    const overloadStart = Date.now();
    const overloadEnd = overloadStart + options.overloadSeconds * 1000;
    options.log(`${options.target}: ${Math.round(high)}/s for ${options.overloadSeconds} s, then ${Math.round(normal)}/s until drained (${events} messages planned)`);
    // Many orders at once: each waits for Redis to confirm its last message, and Redis is busy with the consumer's work.
    const publishing = publishLoad({ sink: gateway, channel: stream, plan, journal, perOrder: 'sequential', keepEntries: false, concurrency: 512, rate: () => (Date.now() < overloadEnd ? high : normal), signal: abort.signal });
    let drainMs: number | undefined;
    let maxLag = 0;
    for (;;) {
      await sleep(1000);
      const now = await sample(Date.now() < overloadEnd ? 'overload' : 'normal');
      maxLag = Math.max(maxLag, now.lag);
      if (samples.length % 10 === 0) options.log(`${options.target}: ${now.phase} lag ${now.lag} pending ${now.pending} rss ${now.rssMiB} MiB`);
      if (Date.now() >= overloadEnd && now.lag <= Math.max(1, normal)) {
        drainMs = Date.now() - overloadEnd;
        break;
      }
      if (Date.now() > overloadEnd + options.drainTimeoutMs) {
        problems.push(`the lag (${now.lag}) did not drain within ${options.drainTimeoutMs / 1000} s of the overload's end`);
        break;
      }
    }
    abort.abort();
    const recovery = drainMs === undefined ? undefined : recoveryOf(samples.filter((p) => p.phase === 'overload'), samples.filter((p) => p.phase === 'normal'));
    await publishing.done;
    await journal.close();
    const entries = await readNdjson<JournalEntry>(journalPath);
    const overloadPublished = entries.filter((e) => e.confirmedAt >= overloadStart && e.confirmedAt < overloadEnd).length;
    options.log(`${options.target}: ${drainMs === undefined ? 'not drained' : `drained ${Math.round(drainMs / 1000)} s after the overload`}; waiting for the rest to settle`);

    // The oracle's reader of the status events starts only now, from the start of their stream
    // (its group is created at 0, and Redis keeps the stream): read during the run, it took CPU
    // from Orderly that the raw client's run does not lose, on a machine of 2 cores.
    const statusStream = `${prefix}${config.ORDERLY_STATUS_CHANNEL}`;
    const statusGroup = `${run}-oracle`;
    if (options.target === 'orderly') status = collectStatusEvents(gateway, statusStream, statusGroup, (error) => problems.push(`status consumer failed: ${String(error)}`));
    // Everything settled: nothing left in the stream or held, no status event waiting in the
    // outbox, and every status event read and acked by the oracle's reader.
    const statusAllRead = async () => {
      const read = await readGroupBacklog(redis, statusStream, statusGroup);
      return read.entriesRead > 0 && read.lag === 0 && read.pending === 0;
    };
    const settled = await until(async () => {
      const now = await sample('normal');
      return now.lag === 0 && now.pending === 0 && (options.target === 'raw' || ((await outboxBacklog(redis, keyPrefix)) === 0 && (await statusAllRead())));
    }, SETTLE_TIMEOUT_MS);
    if (!settled) problems.push(`not settled within ${SETTLE_TIMEOUT_MS / 1000} s after publishing stopped`);
    consumer.sample();
    const verdict =
      options.target === 'orderly'
        ? checkRun({
            journal: entries,
            store: await readStoredOrders(config.REDIS_URL, keyPrefix, [...new Set(entries.map((e) => e.orderId))]),
            statusEvents: status!.events,
            deadLetters: await readDeadLetters(redis, keyPrefix),
            ordering: 'none', // as every run off Kafka: per-order order is checked on Kafka only
          })
        : await rawEffectsVerdict(redis, effects, entries);
    const verdictLine = verdict.line;
    if (!verdict.ok) problems.push(verdictLine);
    const result: OverloadResult = {
      run,
      target: options.target,
      rate,
      idleRate,
      measuredRate: rate,
      cpuUsPerMessage,
      ...(speedDuringS === undefined ? {} : { speedDuringS }),
      restRssMiB,
      peakRssMiB: consumer.peakRssMiB(),
      maxLag,
      overloadPublished,
      overloadPublishRate: overloadPublished / options.overloadSeconds,
      ...(drainMs === undefined ? {} : { drainMs }),
      ...(recovery === undefined ? {} : { recovery }),
      verdictLine,
      problems,
    };
    writeFileSync(`${dir}/result.json`, JSON.stringify({ result, samples }, null, 2));
    return result;
  } finally {
    status?.stop();
    await journal?.close().catch(() => undefined);
    const code = await consumer?.stop();
    if (consumer && code !== 0) problems.push(`${consumer.name} exited with ${String(code)}: ${consumer.tail().slice(-2000)}`);
    await gateway.close().catch(() => undefined);
    await machine.stop();
    const keys = await keysOf(redis, `${run}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000)).catch(() => undefined);
    redis.disconnect();
  }
}
