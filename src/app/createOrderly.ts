import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { createHttpServer } from '../gateways/http/createHttpServer.js';
import type { Readiness } from '../gateways/http/healthRoutes.js';
import type { Config } from './config.js';
import { startPipeline, type Pipeline } from './startPipeline.js';

export interface OrderlyDeps {
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
}

export interface Orderly {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly pipeline: Pipeline;
  readiness(): Readiness;
  /** Stops intake, lets in-flight work finish within the shutdown deadline, closes everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that knows every room. It starts the pipeline, puts
 * the HTTP API in front of it, and tears both down in reverse order.
 */
export async function createOrderly(config: Config, deps: OrderlyDeps): Promise<Orderly> {
  const now = () => (deps.clock ?? Date).now();
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const pipeline = await startPipeline(config, deps);
  let draining = false;

  const readiness = (): Readiness => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {
      consuming: { ok: pipeline.consuming, detail: pipeline.consuming ? 'pipeline running' : 'pipeline stopped' },
      draining: { ok: !draining, ...(draining ? { detail: 'shutting down' } : {}) },
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
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  const http = createHttpServer({
    sink: pipeline.publisher,
    channel: (config.ORDERLY_CHANNEL_PREFIX ?? '') + config.ORDERLY_PUBLISH_CHANNEL,
    orders: pipeline.store,
    readiness,
    now,
    newId,
    defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY,
    maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
    logger: deps.logger,
  });
  try {
    await http.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    await pipeline.stop(0);
    throw error;
  }
  const address = http.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      await http.close(); // no new requests; answers already under way are finished
      await pipeline.stop(config.ORDERLY_SHUTDOWN_TIMEOUT_MS);
    })());

  return { url: `http://${host}:${address.port}`, pipeline, readiness, stop };
}
