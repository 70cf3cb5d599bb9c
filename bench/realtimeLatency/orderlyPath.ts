import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly } from '../../src/app/createOrderly.js';
import { ADMIN_TOPIC } from '../../src/actors/hub/topic.js';
import { BENCH_EVENT_TYPES } from '../brokers/goEvents.js';
import { within } from '../brokers/meter.js';
import type { RunNames } from '../brokers/runNames.js';
import type { PathServer } from './pathServer.js';

export interface OrderlyPathOptions {
  readonly redisUrl: string;
  /** ORDERLY_CREDIT. */
  readonly credit: number;
  readonly logLevel: string;
  /** More of Orderly's settings, applied last but for the run's names and secret. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Orderly as `npm start` runs it (`createOrderly`: the Redis Streams gateway, the pipeline with
 * the Redis order store, the hub on the in-process bus, fastify with `/ws`), on the run's
 * streams and key prefix. The receiver is an admin with a real HS256 token, signed here with
 * the secret made for this run and verified by Orderly with jose at the upgrade; it subscribes to
 * `admin:all`, so it gets one frame per applied change. Paid orders send their confirmation emails
 * as `npm start` does (part of the work measured), into a folder of the run's own, removed on close.
 */
export async function orderlyPath(names: RunNames, options: OrderlyPathOptions): Promise<PathServer> {
  const secret = randomBytes(32).toString('hex');
  const emailDir = await mkdtemp(join(tmpdir(), 'orderly-bench-emails-'));
  const config = loadConfig({
    ...options.env,
    REDIS_URL: options.redisUrl,
    LOG_LEVEL: options.logLevel,
    PORT: '0',
    HOST: '127.0.0.1',
    ORDERLY_SOURCES: 'redis',
    ORDERLY_STORE: 'redis',
    ORDERLY_REDIS_KEY_PREFIX: names.storeKeyPrefix,
    ORDERLY_CHANNEL_PREFIX: names.channelPrefix,
    ORDERLY_CHANNELS: BENCH_EVENT_TYPES.join(','),
    ORDERLY_CONSUMER_GROUP: names.group,
    ORDERLY_CREDIT: String(options.credit),
    ORDERLY_JWT_SECRET: secret,
    ORDERLY_EMAIL_OUTBOX_DIR: emailDir,
  });
  const logger = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const orderly = await within(60_000, 'orderly: starting', createOrderly(config, { logger }));
  const problems: string[] = [];
  const settled = orderly.pipeline.settled$.subscribe((record) => {
    if (record.settlement.kind !== 'ack' && record.settlement.kind !== 'retry' && problems.length < 10) {
      problems.push(`an event was not acked: ${JSON.stringify(record.settlement)}`);
    }
  });
  const nowS = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('bench-admin')
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + 3600)
    .sign(new TextEncoder().encode(secret));
  const port = Number(new URL(orderly.url).port);
  return {
    endpoint: { port, path: '/ws', headers: { authorization: `Bearer ${token}` }, subscribe: ADMIN_TOPIC },
    problems() {
      const { cutOff } = orderly.realtime.hub.stats;
      return [...problems, ...(cutOff > 0 ? [`the hub cut off ${cutOff} sessions as too slow`] : [])];
    },
    async close() {
      settled.unsubscribe();
      await within(30_000, 'orderly: stopping', orderly.stop());
      await rm(emailDir, { recursive: true, force: true });
    },
  };
}
