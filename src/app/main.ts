import { randomJwtSecret } from '../gateways/http/auth/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, wantsPretty } from './createLogger.js';
import { createOrderly } from './createOrderly.js';
import { SourceUnavailableError } from './startPipeline.js';
import { HubBusUnavailableError } from './startRealtime.js';

/** The printed tokens die with the run's secret anyway; a working day is plenty. */
const PRINTED_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

/** Time allowed after the drain deadline for closing clients, connections and stores. */
const SHUTDOWN_CLOSE_MARGIN_MS = 10_000;

/**
 * `npm start`: reads the environment, starts Orderly, prints where it serves, and shuts down
 * cleanly on SIGINT/SIGTERM (exit 0), or exits 2 on a bad configuration and 1 on a failure.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`orderly: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: wantsPretty(config.LOG_FORMAT, process.stdout.isTTY === true) });
  // Secure by default, still easy: no secret means one made for this run, and tokens printed below.
  const ownSecret = config.ORDERLY_JWT_SECRET === undefined;
  if (ownSecret) config = { ...config, ORDERLY_JWT_SECRET: randomJwtSecret() };
  const started = { shutdown: undefined as ((signal: NodeJS.Signals | 'fatal') => void) | undefined };
  const orderly = await createOrderly(config, {
    logger,
    // The supervision tree gave up: a clean, logged shutdown, then a non-zero exit.
    onFatal: (error) => {
      logger.fatal({ err: error }, 'a supervisor gave up: shutting down');
      process.exitCode = 1;
      started.shutdown?.('fatal');
    },
  });

  const lines = [
    config.ORDERLY_SOURCES.join(',') === 'memory'
      ? 'Orderly is running on the embedded in-memory broker and store.'
      : `Orderly is consuming from ${config.ORDERLY_SOURCES.join(', ')}.`,
    `  API        ${orderly.url}  (POST /orders, POST /events, GET /orders/:id, POST /realtime/ticket)`,
    `  health     ${orderly.url}/healthz   ready: ${orderly.url}/readyz`,
    `  realtime   ${orderly.url.replace(/^http/, 'ws')}/ws  (WebSocket)   ${orderly.url}/events/stream?topic=user:<id>  (SSE)`,
  ];
  if (orderly.inspectorUrl) lines.push(`  inspector  ${orderly.inspectorUrl}  (the Stately inspector: every actor, contexts sanitised; this machine only)`);
  if (ownSecret) {
    const userToken = await orderly.auth.signAccessToken('u1', 'user', PRINTED_TOKEN_TTL_MS);
    const adminToken = await orderly.auth.signAccessToken('admin', 'admin', PRINTED_TOKEN_TTL_MS);
    lines.push(
      '  auth       ORDERLY_JWT_SECRET is unset: this run made its own secret, so these tokens work until it exits',
      `  user u1    ${userToken}`,
      `  admin      ${adminToken}`,
      `  try        curl -s -XPOST ${orderly.url}/orders -H 'authorization: Bearer ${userToken}' \\`,
      `               -H 'content-type: application/json' \\`,
      `               -d '{"userId":"u1","items":[{"productId":"p1","quantity":2,"priceCents":500}],"totalCents":1000}'`,
      `  watch      ${orderly.url}/live#token=${userToken}`,
    );
  } else {
    lines.push('  auth       bearer JWTs (HS256) signed with ORDERLY_JWT_SECRET: sub = user id, role = admin | producer | user');
  }
  process.stdout.write([...lines, ''].join('\n'));

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals | 'fatal') => {
    if (shuttingDown && signal === 'fatal') return; // another supervisor giving up: the shutdown under way is enough
    if (shuttingDown) {
      // A second Ctrl-C means "now": whatever is unsettled is redelivered by the brokers.
      logger.warn({ signal }, 'second signal during shutdown: exiting without waiting');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    // Never a hung process: past the drain deadline plus time to close connections, give up.
    const giveUpMs = config.ORDERLY_DRAIN_TIMEOUT_MS + SHUTDOWN_CLOSE_MARGIN_MS;
    setTimeout(() => {
      logger.error({ giveUpMs }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, giveUpMs).unref();
    orderly.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  started.shutdown = shutdown;
  // A failure during the start, before `shutdown` existed, is acted on now.
  if (process.exitCode === 1) shutdown('fatal');
}

main().catch((error: unknown) => {
  // A broker that is down is an operator's problem, not a bug: one line, no stack.
  const text = error instanceof SourceUnavailableError || error instanceof HubBusUnavailableError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`orderly: failed to start: ${text}\n`);
  process.exit(1);
});
