import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubStats } from '../../actors/hub/hubState.js';
import type { JobPoolStats } from '../../actors/jobs/createJobPool.js';
import type { RegistryStats } from '../../actors/orderRegistry.js';
import type { Clock } from '../../domain/clock.js';
import { bounded } from './bounded.js';

/** Where the pulled values come from; each is read on scrape, and absent until attached. */
export interface StatsSources {
  /** The order registry (`pipeline.registry`). */
  registry?: { readonly stats: RegistryStats };
  /** `pipeline.outboxBacklog`. */
  outboxBacklog?: () => Promise<number>;
  /** `pipeline.sourcesDown` and `pipeline.sourcesReady`. */
  sourceStatus?: { readonly down: ReadonlyMap<string, unknown>; readonly ready: ReadonlySet<string> };
  /** The hub (`realtime.hub`). */
  hub?: { readonly stats: Readonly<HubStats> };
  /** The job pool (`jobs.pool`). */
  pool?: { readonly stats: JobPoolStats };
}

export interface StatsMetricsOptions {
  readonly sources: readonly string[];
  readonly credit: number | undefined;
  /** Longest a scrape waits for the outbox backlog (a Redis round trip); past it the last value stays. */
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/**
 * The metrics read from the parts' own counters on scrape (nothing on their hot paths): order
 * actors, hub, jobs, outbox, sources. Returns the slots `attach` fills in.
 */
export function createStatsMetrics(registry: Registry, options: StatsMetricsOptions): StatsSources {
  const from: StatsSources = {};
  const registers = [registry];
  // A counter that mirrors a count kept elsewhere: it falls back to 0 only if that count does (a new part).
  const pulledCounter = (name: string, help: string, read: () => number | undefined) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value === undefined) return;
        this.reset();
        this.inc(value);
      },
    });
  const pulledGauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });

  pulledGauge('orderly_order_actors', 'Order actors alive (at most ORDERLY_MAX_LIVE_ORDERS).', () => from.registry?.stats.live);
  pulledCounter('orderly_order_actor_spawns_total', 'Order actors spawned from the store: the first event of an order, or a rehydration after passivation or a crash.', () => from.registry?.stats.spawned);
  pulledCounter('orderly_order_actor_passivations_total', 'Order actors passivated (idle, or least recently used past the limit).', () => from.registry?.stats.passivated);
  pulledCounter('orderly_order_actor_crashes_total', 'Order actors that crashed while applying an event (discarded; the retry rehydrates).', () => from.registry?.stats.crashed);

  pulledGauge('orderly_hub_sessions', 'Real-time sessions (WebSocket and SSE) connected to the hub.', () => from.hub?.stats.sessions);
  pulledCounter('orderly_hub_deliveries_total', 'Event frames the hub handed to sessions (one per session per topic).', () => from.hub?.stats.delivered);
  pulledCounter('orderly_hub_slow_client_disconnects_total', 'Sessions cut off for being too slow or flooding.', () => from.hub?.stats.cutOff);

  pulledGauge('orderly_jobs_running', 'Tasks whose job worker is running.', () => from.pool?.stats.running);
  pulledGauge('orderly_jobs_waiting', 'Task deliveries waiting for a free worker.', () => from.pool?.stats.waiting);
  new Counter({
    name: 'orderly_job_settlements_total',
    help: 'Task deliveries settled by the job pool: ack, retry (handed back after a delay) or dead_letter.',
    labelNames: ['settlement'],
    registers,
    collect() {
      const stats = from.pool?.stats;
      if (stats === undefined) return;
      this.reset();
      this.inc({ settlement: 'ack' }, stats.acked);
      this.inc({ settlement: 'retry' }, stats.retried);
      this.inc({ settlement: 'dead_letter' }, stats.deadLettered);
    },
  });

  new Gauge({
    name: 'orderly_outbox_backlog',
    help: 'Status events stored and not yet published to the status channel.',
    registers,
    async collect() {
      if (!from.outboxBacklog) return;
      // A store that does not answer in time keeps the last value rather than failing the scrape.
      const backlog = await bounded(from.outboxBacklog(), options.timeoutMs, options.clock).catch(() => undefined);
      if (backlog !== undefined) this.set(backlog);
    },
  });

  new Gauge({
    name: 'orderly_source_up',
    help: 'Whether each source is consuming: 1 once the broker has put its consumer in place, 0 while it is down or not yet ready.',
    labelNames: ['source'],
    registers,
    collect() {
      const status = from.sourceStatus;
      if (status === undefined) return;
      for (const source of options.sources) this.set({ source }, !status.down.has(source) && status.ready.has(source) ? 1 : 0);
    },
  });
  const credit = new Gauge({ name: 'orderly_source_credit', help: 'Most unsettled deliveries each source may hold (ORDERLY_CREDIT).', labelNames: ['source'], registers });
  if (options.credit !== undefined) for (const source of options.sources) credit.set({ source }, options.credit);

  return from;
}
