import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createBrokerGateway } from '../../src/app/brokerGateway.js';
import { loadConfig } from '../../src/app/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { testAuthEnv } from '../support/auth.js';
import { keysOf } from '../support/redisOrders.js';
import { collectStatusEvents } from './collectStatusEvents.js';
import { openJournal, readNdjson, type JournalEntry } from './journal.js';
import type { ChaosHook } from './chaosHook.js';
import { planLoad, type LoadPlanOptions, type PlannedMessage } from './loadPlan.js';
import { checkRun, type OracleInput, type Verdict } from './oracle.js';
import { startOrderly, type OrderlyEntry, type OrderlyProcess } from './orderlyProcess.js';
import { publishLoad } from './publishLoad.js';
import { outboxBacklog, readDeadLetters, readStoredOrders } from './readOrderly.js';
import { applyToModel, newModelOrder } from './referenceModel.js';
import { brokerRun, type ScaleBroker } from './scaleBrokers.js';
import { watchUsers, type UserWatch } from './watchUsers.js';

export interface ScaleRunOptions extends Omit<LoadPlanOptions, 'runId'> {
  readonly broker: ScaleBroker;
  /** Orderly processes at the start. */
  readonly instances: number;
  /** SIGKILL one process once this share of the expected transitions is out (undefined: no kill). */
  readonly killAt?: number;
  /** Start one more process once this share is out (undefined: none joins). */
  readonly joinAt?: number;
  /** Users with a WebSocket client, spread over the processes. */
  readonly watchedUsers: number;
  readonly perOrder: 'sequential' | 'burst';
  readonly ordering: OracleInput['ordering'];
  readonly expectAllApplied?: boolean;
  /** Orders published at once. */
  readonly publishConcurrency?: number;
  /**
   * Tries per message before its order's publishing ends (`publishLoad`'s `attempts`, 100 ms ×
   * the attempt apart); a broker restart needs enough to outlast the outage. @default 5
   */
  readonly publishAttempts?: number;
  /** The whole run, clean-up included, is cut off after this. */
  readonly timeoutMs: number;
  /** With no progress at all for this long after publishing, the run stops waiting and asks the oracle. */
  readonly quietMs: number;
  /** More settings for every Orderly process. */
  readonly env?: Record<string, string>;
  /** `orderly`: the real service; `race`: bare pipelines whose store notes conflicts and writers (the race proof). @default 'orderly' */
  readonly entry?: OrderlyEntry;
  /** Trouble made while events flow (the chaos runs): called on every tick of the run; see `ChaosHook`. */
  readonly chaos?: ChaosHook;
  /** Changes the plan before it is published (the fuzz run mixes its invalid messages in). */
  readonly mixIn?: (plan: PlannedMessage[][]) => PlannedMessage[][];
}

export interface ScaleResult {
  readonly run: string;
  readonly verdict: Verdict;
  readonly figures: Record<string, unknown>;
  /** Problems of the run itself (timeout, a process that failed to start, an exit code). */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (n: number) => Math.round(n);

/**
 * One scale-out run against the machine's shared brokers and Redis, everything named for the run
 * and removed afterwards: N Orderly processes in one consumer group, the load published through
 * Orderly's own gateway and journalled, one process SIGKILLed and another started while events
 * flow, WebSocket clients watching users, then the oracle over the store, the status events, the
 * dead-letter index and the clients. Bounded by `timeoutMs`.
 */
export async function scaleRun(options: ScaleRunOptions): Promise<ScaleResult> {
  const run = `scale-${options.broker}-${process.pid}-${Date.now().toString(36)}`;
  const prefix = `${run}.`;
  const keyPrefix = `${run}:`;
  const dir = `artifacts/scale/${run}`;
  mkdirSync(dir, { recursive: true });
  const broker = brokerRun(options.broker, run, options.env);
  const env: Record<string, string> = {
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ORDERLY_STORE: 'redis',
    ORDERLY_HUB_BUS: 'redis',
    ORDERLY_REDIS_KEY_PREFIX: keyPrefix,
    ORDERLY_CHANNEL_PREFIX: prefix,
    ORDERLY_CHANNELS: 'orders',
    ORDERLY_CONSUMER_GROUP: run,
    ORDERLY_JOBS_GROUP: `${run}-jobs`,
    ORDERLY_JOBS_PAID_EMAIL: 'false', // no confirmation emails into ./outbox from a load test
    ORDERLY_HISTORY_MAX: '1000', // the oracle reads every applied event from the history
    ORDERLY_DLQ_MAX_ENTRIES: '1000000', // and every dead letter from the index
    ORDERLY_HUB_HISTORY: '1000',
    ORDERLY_HUB_MAX_TOPICS: '100000',
    ...testAuthEnv,
    ...broker.env,
    ...options.env,
  };
  const config = loadConfig(env);
  const channel = `${prefix}orders`;
  const statusChannel = `${prefix}${config.ORDERLY_STATUS_CHANNEL}`;
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  const gateway = createBrokerGateway(config.ORDERLY_SOURCES[0]!, config, systemClock, silentLog);
  const processes: OrderlyProcess[] = [];
  const problems: string[] = [];
  const figures: Record<string, unknown> = { broker: options.broker, orders: options.orders, events: options.events, instances: options.instances };
  let watch: UserWatch | undefined;
  let stopStatus: (() => void) | undefined;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, options.timeoutMs - 30_000); // leaves room for the clean-up
  const log = (line: string) => console.log(`[${options.broker} ${new Date().toISOString().slice(11, 19)}] ${line}`);

  try {
    const planned = planLoad({ ...options, runId: run });
    const plan = options.mixIn ? options.mixIn(planned) : planned;
    const expected = expectedTransitions(plan.flat());
    log(`run ${run}: ${plan.flat().length} messages over ${options.orders} orders, ${expected} transitions expected`);
    await gateway.prepare([channel, statusChannel]);
    figures.partitions = await broker.partitions(channel);

    const names = Array.from({ length: options.instances }, (_, i) => `orderly-${i + 1}`);
    processes.push(...(await Promise.all(names.map((name) => startOrderly(name, env, options.entry)))));
    figures.groupStableMs = await broker.settled(run, options.instances, 60_000);
    log(`${processes.length} processes ready${figures.partitions ? `, ${String(figures.partitions)} partitions` : ''}`);

    // A failed status consumer subscribes again (a broker restart ends it): what it missed shows as status events missing.
    let statusResubscribes = 0;
    const status = collectStatusEvents(gateway, statusChannel, `${run}-oracle`, (error) => {
      statusResubscribes++;
      log(`status consumer failed, subscribing again: ${String(error)}`);
    });
    stopStatus = () => status.stop();
    const watched = Array.from({ length: Math.min(options.watchedUsers, options.users) }, (_, i) => ({ userId: `${run}-u${i + 1}`, url: processes[i % processes.length]!.url }));
    watch = await watchUsers(watched);

    const journalPath = `${dir}/journal.ndjson`;
    const journal = openJournal(journalPath);
    const publishing = publishLoad({ sink: gateway, channel, plan, journal, perOrder: options.perOrder, concurrency: options.publishConcurrency ?? 128, attempts: options.publishAttempts ?? 5, signal: abort.signal });
    let killed: { at: number; name: string; settled: boolean } | undefined;
    let lastDistinct = 0;
    let lastProgressAt = Date.now();
    let published: number | undefined;
    // Publishing is over when it says so: an order whose message failed every try publishes nothing after it, so counting messages would wait forever.
    let publishingOver = false;
    const over = () => (publishingOver = true);
    void publishing.done.then(over, over);
    const rebalances: Promise<void>[] = [];

    // Drive the run: kill and join on progress, then wait until everything is accounted for.
    for (;;) {
      if (abort.signal.aborted) break;
      for (const p of processes) p.sample();
      const distinct = status.distinct();
      if (distinct !== lastDistinct) {
        lastDistinct = distinct;
        lastProgressAt = Date.now();
      }
      const share = distinct / Math.max(1, expected);
      if (options.killAt !== undefined && !killed && share >= options.killAt) {
        const victim = processes[1]!;
        killed = { at: Date.now(), name: victim.name, settled: false };
        // The clients of the victim are told first, so that the close the kill causes is expected.
        const failedOver = watch.failOver(victim.url, processes.filter((p) => p !== victim).map((p) => p.url));
        await victim.kill('SIGKILL');
        log(`SIGKILL ${victim.name} at ${Math.round(share * 100)}% of the transitions`);
        rebalances.push(
          broker.settled(run, options.instances - 1, 60_000).then((ms) => {
            figures.rebalanceAfterKillMs = ms; // from the kill until the group is stable without the dead member
            killed!.settled = true;
          }),
          failedOver,
        );
      }
      // The newcomer joins once the group has settled without the dead member, so each rebalance is measured on its own.
      if (options.joinAt !== undefined && killed?.settled && figures.joinReadyMs === undefined && share >= options.joinAt) {
        const joinStart = Date.now();
        figures.joinReadyMs = 0;
        const joiner = await startOrderly(`orderly-${processes.length + 1}`, env, options.entry);
        processes.push(joiner);
        figures.joined = joiner.name;
        figures.joinReadyMs = Date.now() - joinStart;
        log(`${joiner.name} joined at ${Math.round(share * 100)}% of the transitions (${String(figures.joinReadyMs)} ms to ready)`);
        rebalances.push(
          broker.settled(run, options.instances, 60_000).then((ms) => {
            figures.rebalanceAfterJoinMs = ms; // from ready until the group is stable with the newcomer
          }),
        );
      }
      if (options.chaos) {
        const restart = async (victim: OrderlyProcess) => {
          const next = await startOrderly(`${victim.name.split('#')[0]!}#${processes.filter((p) => p.name.startsWith(victim.name.split('#')[0]!)).length + 1}`, env, options.entry);
          processes.push(next);
          return next;
        };
        await options.chaos.tick({ share, processes, restart, log, lastNewStatusAt: status.lastNewAt, figures, problems, signal: abort.signal });
        if (abort.signal.aborted) break;
      }
      if (published === undefined && publishingOver) published = Date.now();
      if (published !== undefined) {
        const quiet = Date.now() - lastProgressAt;
        if ((options.ordering === 'per-order' && distinct >= expected) || quiet > 5_000) {
          // A store that does not answer (a chaos run froze it) means not yet, not a failed run.
          const done = await accounted(publishing.progress.entries, redis, config.REDIS_URL, keyPrefix).catch(() => false);
          if (done && (await outboxBacklog(redis, keyPrefix)) === 0 && quiet > 2_000) break;
        }
        if (quiet > options.quietMs) {
          problems.push(`no progress for ${Math.round(quiet / 1000)} s: stopped waiting`);
          break;
        }
      }
      await sleep(250);
    }
    const progress = await publishing.done;
    await journal.close();
    await options.chaos?.finish({ figures, problems, processes, log });
    await Promise.all(rebalances);
    if (timedOut) problems.push(`timed out after ${options.timeoutMs} ms`);
    if (options.killAt !== undefined && !killed) problems.push('the run ended before a process was killed');
    if (options.joinAt !== undefined && figures.joined === undefined) problems.push('the run ended before a process joined');
    await sleep(1_000); // stragglers to the clients
    const endAt = status.lastNewAt ?? Date.now();

    const journalEntries = await readNdjson<JournalEntry>(journalPath);
    const orderIds = [...new Set(journalEntries.map((e) => e.orderId))];
    const input: OracleInput = {
      journal: journalEntries,
      store: await readStoredOrders(config.REDIS_URL, keyPrefix, orderIds),
      statusEvents: status.events,
      deadLetters: await readDeadLetters(redis, keyPrefix),
      clients: watch.seen(),
      ordering: options.ordering,
      ...(options.expectAllApplied ? { expectAllApplied: true } : {}),
    };
    writeFileSync(`${dir}/status-events.ndjson`, input.statusEvents.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const verdict = checkRun(input);
    if (options.entry === 'race') Object.assign(figures, await raceFigures(redis, keyPrefix));
    writeFileSync(`${dir}/verdict.json`, JSON.stringify({ verdict, figures }, null, 2));

    const seconds = (endAt - progress.firstAt!) / 1000;
    Object.assign(figures, {
      confirmed: progress.confirmed,
      publishFailed: progress.failed,
      publishPerSecond: Math.round(progress.confirmed / ((progress.lastAt! - progress.firstAt!) / 1000)),
      processedPerSecond: Math.round(progress.confirmed / seconds),
      firstPublishToLastTransitionS: Math.round(seconds * 10) / 10,
      killed: killed?.name,
      statusUnreadable: status.unreadable,
      statusResubscribes,
      realtime: { clients: watched.length, ...watch.trouble },
    });
    return { run, verdict, figures, problems, ok: verdict.ok && problems.length === 0 };
  } finally {
    clearTimeout(timer);
    stopStatus?.();
    await options.chaos?.cleanup().catch((error: unknown) => problems.push(`chaos clean-up failed: ${String(error)}`));
    await watch?.close().catch(() => undefined);
    const exits = await Promise.all(processes.map(async (p) => ({ name: p.name, code: p.child.signalCode === 'SIGKILL' ? 'SIGKILL' : await p.stop() })));
    figures.peakRssMiB = Object.fromEntries(processes.map((p) => [p.name, mib(p.peakRssMiB())]));
    const cpu = processes.reduce((sum, p) => sum + p.cpuSeconds(), 0);
    figures.orderlyCpuSeconds = Math.round(cpu);
    figures.orderlyCpuSecondsPer1kEvents = Math.round((cpu / options.events) * 1000 * 1000) / 1000;
    figures.harnessCpuSeconds = Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e6);
    figures.loadAverage = loadavg().map((n) => Math.round(n * 10) / 10);
    figures.exits = Object.fromEntries(exits.map((e) => [e.name, e.code]));
    for (const e of exits) if (e.code !== 0 && e.code !== 'SIGKILL') problems.push(`${e.name} exited with ${String(e.code)}: ${processes.find((p) => p.name === e.name)!.tail().slice(-2000)}`);
    figures.warnings = Object.fromEntries(processes.map((p) => [p.name, Object.fromEntries(p.warnings)]));
    await gateway.close().catch(() => undefined);
    if (process.env.SCALE_KEEP === '1') {
      // For running the oracle again on its own (oracleCli); the next run does not clean this up.
      log(`SCALE_KEEP=1: kept the Redis keys under ${keyPrefix} and the broker's ${prefix}* channels`);
    } else {
      await broker.cleanup();
      await redis.connect().catch(() => undefined);
      const keys = await keysOf(redis, `${run}*`).catch(() => [] as string[]);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000)).catch(() => undefined);
    }
    redis.disconnect();
  }
}

/** What the race proof's instances noted: compare-and-set conflicts lost, and how many instances wrote each order. */
async function raceFigures(redis: Redis, keyPrefix: string): Promise<Record<string, number>> {
  const keys = await keysOf(redis, `${keyPrefix}race:writers:*`);
  const sizes = await Promise.all(keys.map((key) => redis.scard(key)));
  return {
    versionConflicts: Number((await redis.get(`${keyPrefix}race:conflicts`)) ?? 0),
    ordersWrittenByOne: sizes.filter((n) => n === 1).length,
    ordersWrittenByTwoOrMore: sizes.filter((n) => n >= 2).length,
  };
}

/** Transitions the reference model makes over the plan in publish order: how far along a run is. */
function expectedTransitions(messages: readonly { orderId: string; id: string; type: string; kind: string; data?: unknown }[]): number {
  const orders = new Map<string, ReturnType<typeof newModelOrder>>();
  for (const m of messages) {
    if (m.kind === 'invalid') continue;
    const order = orders.get(m.orderId) ?? orders.set(m.orderId, newModelOrder()).get(m.orderId)!;
    applyToModel(order, { id: m.id, type: m.type, data: m.data });
  }
  let n = 0;
  for (const order of orders.values()) n += order.changes.filter((c) => c.from !== c.to).length;
  return n;
}

/** True once every event journalled so far is applied or dead-lettered. */
async function accounted(entries: readonly JournalEntry[], redis: Redis, redisUrl: string, keyPrefix: string): Promise<boolean> {
  const store = await readStoredOrders(redisUrl, keyPrefix, [...new Set(entries.map((e) => e.orderId))]);
  const dead = new Set((await readDeadLetters(redis, keyPrefix)).map((d) => d.eventId));
  const applied = new Set<string>();
  for (const order of store.values()) for (const h of order.history) applied.add(h.eventId);
  return entries.every((e) => applied.has(e.id) || dead.has(e.id));
}
