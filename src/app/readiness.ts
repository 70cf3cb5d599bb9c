import type { Actor } from 'xstate';
import type { SupervisorLogic } from '../actors/supervision/index.js';
import type { Readiness } from '../gateways/http/healthRoutes.js';
import type { Config } from './config.js';
import type { Pipeline } from './startPipeline.js';

type Check = { ok: boolean; detail?: string };

export interface ReadinessParts {
  readonly config: Pick<Config, 'ORDERLY_SOURCES' | 'ORDERLY_READY_MAX_INFLIGHT_AGE_MS' | 'ORDERLY_READY_MAX_KAFKA_LAG'>;
  readonly pipeline: Pick<Pipeline, 'consuming' | 'sourcesDown' | 'sourcesReady' | 'inFlight'>;
  /** The root supervisor, once started. */
  readonly root: () => Actor<SupervisorLogic> | undefined;
  readonly draining: () => boolean;
  readonly now: () => number;
  /** The Kafka consumer group's lag summed over partitions, as last measured; undefined when not measured (yet). */
  readonly kafkaLag?: () => number | undefined;
}

/**
 * What `/readyz` answers: one named check per reason Orderly should not get traffic, each with a
 * detail a human can act on. Ready when every check is.
 */
export function readinessOf(parts: ReadinessParts): Readiness {
  const { config, pipeline } = parts;
  const checks: Record<string, Check> = {
    consuming: { ok: pipeline.consuming, detail: pipeline.consuming ? 'pipeline running' : 'pipeline stopped' },
    draining: parts.draining() ? { ok: false, detail: 'shutting down' } : { ok: true },
    supervision: supervisionCheck(parts.root()),
  };
  for (const source of config.ORDERLY_SOURCES) {
    const down = pipeline.sourcesDown.get(source);
    checks[`source:${source}`] =
      down !== undefined
        ? { ok: false, detail: `reconnecting: ${down}` }
        : pipeline.sourcesReady.has(source)
          ? { ok: true }
          : { ok: false, detail: 'waiting for the broker to put the consumer in place' };
  }
  const oldestMs = pipeline.inFlight.oldestAgeMs(parts.now());
  const maxAgeMs = config.ORDERLY_READY_MAX_INFLIGHT_AGE_MS;
  checks.inFlight =
    oldestMs > maxAgeMs
      ? { ok: false, detail: `the oldest of ${pipeline.inFlight.count} deliveries in flight is ${Math.round(oldestMs / 1000)} s old (limit ${Math.round(maxAgeMs / 1000)} s)` }
      : { ok: true, detail: `${pipeline.inFlight.count} in flight, oldest ${oldestMs} ms` };
  if (config.ORDERLY_SOURCES.includes('kafka') && config.ORDERLY_READY_MAX_KAFKA_LAG > 0 && parts.kafkaLag) {
    const lag = parts.kafkaLag();
    const max = config.ORDERLY_READY_MAX_KAFKA_LAG;
    checks.kafkaLag =
      lag === undefined ? { ok: true, detail: 'not measured yet' } : lag > max ? { ok: false, detail: `${lag} records behind (limit ${max})` } : { ok: true, detail: `${lag} records behind` };
  }
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}

/** The root is running and none of its children is waiting for a restart. */
function supervisionCheck(root: Actor<SupervisorLogic> | undefined): Check {
  if (root === undefined) return { ok: false, detail: 'starting' };
  const snapshot = root.getSnapshot();
  if (snapshot.status === 'error') return { ok: false, detail: 'the root supervisor gave up' };
  if (snapshot.status !== 'active') return { ok: false, detail: 'the supervision tree is stopped' };
  const restarting = snapshot.context.children.filter((child) => child.status === 'restarting');
  if (restarting.length === 0) return { ok: true };
  return { ok: false, detail: `restarting: ${restarting.map((c) => `${c.id} (${c.lastErrorMessage ?? 'failed'}; ${c.restarts} restarts)`).join(', ')}` };
}
