import { setTimeout as sleep } from 'node:timers/promises';
import { serveCommands } from '../hub/childControl.js';
import { monotonicMicros } from '../hub/fanOutMessage.js';
import { redisFor } from '../brokers/redisKeys.js';
import { runNames } from '../brokers/runNames.js';
import { eventAt, goBody, stampedId } from './stampedEvents.js';

export interface PublishArgs {
  readonly runId: string;
  readonly firstOrder: number;
  readonly orders: number;
  /** Events per second on a fixed schedule; 0 publishes as fast as Redis takes them (the saturation burst). */
  readonly ratePerSecond: number;
}

export interface PublishResult {
  readonly events: number;
  /** From the first XADD sent to the last one answered. */
  readonly seconds: number;
  /** How late the latest event left against its schedule (paced only): above a few ms, the producer was not keeping the pace. */
  readonly maxLagMs: number;
}

/** XADDs in flight at most while paced; reaching it means Redis stopped answering, not a load to measure. */
const MAX_IN_FLIGHT = 10_000;
/** Entries per pipeline in the saturation burst. */
const BURST_SLICE = 100;

/**
 * The producer, in its own process and the same for both paths: XADD of the Go producers'
 * plain JSON (`data`) and a message id (`id`) that ends in the moment it was sent. Paced
 * publishing is open-loop: event k is due at start + k / rate, whatever happened to the ones
 * before, so a slow consumer cannot slow the offered load down (no coordinated omission).
 */
export function producerTask(redisUrl: string): void {
  const redis = redisFor(redisUrl, `bench-latency-producer-${process.pid}`);
  serveCommands(
    {
      publish: async (raw): Promise<PublishResult> => {
        const { runId, firstOrder, orders, ratePerSecond } = raw as PublishArgs;
        const names = runNames(runId);
        const events = orders * 2;
        const send = (k: number) => {
          const { type, order } = eventAt(firstOrder, k);
          const body = goBody(type, order);
          return [names.channel(type), '*', 'data', body, 'id', stampedId(runId, type, order, monotonicMicros())] as const;
        };
        const begin = performance.now();
        let maxLagMs = 0;
        if (ratePerSecond === 0) {
          for (let k = 0; k < events; k += BURST_SLICE) {
            const pipeline = redis.pipeline();
            for (let j = k; j < Math.min(events, k + BURST_SLICE); j++) pipeline.xadd(...send(j));
            for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
          }
        } else {
          let inFlight = 0;
          let failed: unknown;
          const intervalMs = 1000 / ratePerSecond;
          for (let k = 0; k < events; ) {
            const now = performance.now();
            for (; k < events && begin + k * intervalMs <= now; k++) {
              if (failed !== undefined) throw failed;
              if (inFlight >= MAX_IN_FLIGHT) throw new Error(`${MAX_IN_FLIGHT} XADDs unanswered: Redis is not keeping up`);
              maxLagMs = Math.max(maxLagMs, now - (begin + k * intervalMs));
              inFlight++;
              redis.xadd(...send(k)).then(
                () => inFlight--,
                (error: unknown) => (failed ??= error),
              );
            }
            if (k < events) await sleep(Math.max(0, begin + k * intervalMs - performance.now()));
          }
          for (let waited = 0; inFlight > 0 && failed === undefined; waited++) {
            if (waited > 30_000) throw new Error(`${inFlight} XADDs still unanswered after 30 s`);
            await sleep(1);
          }
          if (failed !== undefined) throw failed;
        }
        return { events, seconds: (performance.now() - begin) / 1000, maxLagMs };
      },
    },
    async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  );
}
