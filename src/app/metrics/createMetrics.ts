import { Registry } from 'prom-client';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import type { HubStats } from '../../actors/hub/hubState.js';
import type { JobPoolStats } from '../../actors/jobs/createJobPool.js';
import type { RegistryStats } from '../../actors/orderRegistry.js';
import type { SupervisorNotice } from '../../actors/supervision/index.js';
import type { TaskRecord } from '../../actors/taskStore.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { Delivery } from '../../streams/delivery.js';
import type { SettledRecord } from '../../streams/settle.js';
import { boundedLabel } from './boundedLabel.js';
import { createDeliveryMetrics, DEFAULT_LATENCY_BUCKETS } from './deliveryMetrics.js';
import { kafkaLagReader, registerKafkaLag, type KafkaLagOptions } from './kafkaLag.js';
import { processRegistry } from './processRegistry.js';
import { createStatsMetrics, type StatsSources } from './statsMetrics.js';
import { createSupervisorMetrics, type SupervisorRef } from './supervisorMetrics.js';
import { createTaskMetrics } from './taskMetrics.js';

export interface MetricsOptions {
  /** The sources consumed (ORDERLY_SOURCES): one `orderly_source_up` and `orderly_source_credit` series each. @default [] */
  readonly sources?: readonly string[];
  /** Most unsettled deliveries each source may hold (ORDERLY_CREDIT). A positive integer. @default undefined (no credit series) */
  readonly credit?: number;
  /**
   * The channels consumed, as the sources name them (ORDERLY_CHANNEL_PREFIX included): the only
   * values of the `channel` label, any other channel is `other`.
   * @default undefined (the first 64 channels seen, the rest `other`)
   */
  readonly channels?: readonly string[];
  /** Upper bounds, in seconds, of the receipt → ack histogram; increasing, positive. @default DEFAULT_LATENCY_BUCKETS (1 ms to 30 s) */
  readonly latencyBuckets?: readonly number[];
  /** The consumer group's lag per partition, read on scrape. Give it only when Kafka is a source. @default undefined (no lag) */
  readonly kafkaLag?: KafkaLagOptions;
  /** Whether `metrics()` also gives Node's and the process's own metrics (`processRegistry`). @default true */
  readonly processMetrics?: boolean;
  /** Longest a scrape waits for a value behind I/O (the outbox backlog in Redis). A positive integer. @default 1000 */
  readonly collectTimeoutMs?: number;
  /** Times acks against `origin.receivedAt`, so the clock that stamps it; and every scrape-time timeout. @default systemClock */
  readonly clock?: Clock;
}

/** What `attach` reads; each part is optional, so the app can attach the hub and jobs once they exist. */
export interface MetricsParts {
  /** The pipeline (`startPipeline`'s `Pipeline`). */
  readonly pipeline?: {
    /** Counts the in-process retries of each settled delivery. */
    readonly settled$: Observable<SettledRecord>;
    readonly registry: { readonly stats: RegistryStats };
    outboxBacklog(): Promise<number>;
    readonly sourcesDown: ReadonlyMap<string, unknown>;
    readonly sourcesReady: ReadonlySet<string>;
    /** The pipeline's own supervisor, when it has one: its notices and those of every supervisor below it are counted. */
    readonly supervisor?: SupervisorRef | undefined;
  };
  /** The real-time hub (`realtime.hub`). */
  readonly hub?: { readonly stats: Readonly<HubStats> };
  /** The jobs (`jobs`); task status changes come through `countTaskChange`. */
  readonly jobs?: { readonly pool: { readonly stats: JobPoolStats } };
  /** Supervision trees to count (Orderly's `root`), each root with every supervisor below it (gateways, jobs). */
  readonly supervisors?: readonly SupervisorRef[];
}

export interface Metrics {
  /** This instance's metrics, in a registry of its own: never prom-client's global one. */
  readonly registry: Registry;
  /** The content type of `metrics()`. */
  readonly contentType: string;
  /** The exposition text: this instance's metrics, then the process's (unless `processMetrics` is false). */
  metrics(): Promise<string>;
  /**
   * Counts every delivery a source hands over and, once the broker has it, its settlement: ack
   * (with its receipt → ack time), retry, dead letter by reason, or a refused settlement; and
   * what is in flight in between. Put it first on the deliveries, before anything that wraps
   * them, so that it sees what reaches the broker (dead letters from decoding included).
   */
  readonly countReceived: MonoTypeOperatorFunction<Delivery>;
  /** Counts a task entering a status; hand it every task change (the jobs' `onChange`). */
  countTaskChange(record: TaskRecord): void;
  /** Counts one supervisor notice, for a supervisor `attach` does not reach (its spec's `onNotice`). */
  countSupervisorNotice(notice: SupervisorNotice): void;
  /** Reads `parts` from now on; returns the detach, which stops every subscription it made. Idempotent. */
  attach(parts: MetricsParts): () => void;
  /** Detaches everything and disconnects the Kafka admin client, within its timeout. Idempotent. */
  close(): Promise<void>;
}

/** The options cannot work; `field` names the one. */
export class InvalidMetricsOptionsError extends Error {
  override readonly name = 'InvalidMetricsOptionsError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`metrics option ${field} ${problem}`);
  }
}

/**
 * Orderly's Prometheus metrics (issue 6). Nothing here changes the pipeline: deliveries are
 * counted by `countReceived` where the app puts it, the rest is read from what the parts already
 * expose, on scrape or from their streams. Every label set is bounded (source and channel names
 * from the config, reasons from `DeadLetterCode`, child ids from the supervisor specs).
 * @throws InvalidMetricsOptionsError
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const clock = options.clock ?? systemClock;
  const buckets = options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS;
  const timeoutMs = options.collectTimeoutMs ?? 1000;
  check(options, buckets, timeoutMs);
  const registry = new Registry();
  const deliveries = createDeliveryMetrics(registry, { channel: boundedLabel(options.channels), buckets, clock });
  const supervision = createSupervisorMetrics(registry);
  const countTaskChange = createTaskMetrics(registry);
  const stats = createStatsMetrics(registry, { sources: options.sources ?? [], credit: options.credit, timeoutMs, clock });
  const lag = options.kafkaLag && kafkaLagReader(options.kafkaLag, clock);
  if (lag) registerKafkaLag(registry, lag);

  const detachers = new Set<() => void>();
  const attach = (parts: MetricsParts) => {
    const stops: (() => void)[] = [];
    const fill = <K extends keyof StatsSources>(key: K, value: StatsSources[K]) => {
      stats[key] = value;
      // Detaching clears a slot only if no later attach has filled it since.
      stops.push(() => {
        if (stats[key] === value) delete stats[key];
      });
    };
    const { pipeline, hub, jobs } = parts;
    if (pipeline) {
      const settled = pipeline.settled$.subscribe((record) => deliveries.observeSettled(record));
      stops.push(() => settled.unsubscribe());
      if (pipeline.supervisor) stops.push(supervision.watch(pipeline.supervisor));
      fill('registry', pipeline.registry);
      fill('outboxBacklog', () => pipeline.outboxBacklog());
      fill('sourceStatus', { down: pipeline.sourcesDown, ready: pipeline.sourcesReady });
    }
    if (hub) fill('hub', hub);
    if (jobs) fill('pool', jobs.pool);
    for (const root of parts.supervisors ?? []) stops.push(supervision.watch(root));
    let detached = false;
    const detach = () => {
      if (detached) return;
      detached = true;
      detachers.delete(detach);
      for (const stop of stops) stop();
    };
    detachers.add(detach);
    return detach;
  };

  let closing: Promise<void> | undefined;
  return {
    registry,
    contentType: registry.contentType,
    metrics: async () => {
      const own = await registry.metrics();
      return options.processMetrics === false ? own : `${own}\n${await processRegistry().metrics()}`;
    },
    countReceived: deliveries.countReceived,
    countTaskChange,
    countSupervisorNotice: supervision.count,
    attach,
    close: () =>
      (closing ??= (async () => {
        for (const detach of [...detachers]) detach();
        await lag?.close();
      })()),
  };
}

function check(options: MetricsOptions, buckets: readonly number[], timeoutMs: number): void {
  if (buckets.length === 0 || buckets.some((b, i) => !(b > 0) || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
    throw new InvalidMetricsOptionsError('latencyBuckets', `must be positive, finite and increasing, got [${buckets.join(', ')}]`);
  }
  if (options.credit !== undefined && !(Number.isSafeInteger(options.credit) && options.credit > 0)) {
    throw new InvalidMetricsOptionsError('credit', `must be a positive integer, got ${options.credit}`);
  }
  if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) throw new InvalidMetricsOptionsError('collectTimeoutMs', `must be a positive integer, got ${timeoutMs}`);
  const lag = options.kafkaLag;
  if (lag && (lag.group === '' || lag.topics.length === 0)) throw new InvalidMetricsOptionsError('kafkaLag', 'needs a group and at least one topic');
}
