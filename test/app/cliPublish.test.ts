import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/app/cli/runCli.js';
import { decodeEnvelope, type RawEvent } from '../../src/domain/decodeEnvelope.js';
import { fromStreamFields } from '../../src/gateways/redis/redisStreamMessage.js';

// `orderly publish` in process against the machine's Redis and NATS: what it prints is what the
// broker holds, on the HTTP API's channel, and decodes as Orderly will decode it.
const run = `clipub${process.pid}${Date.now().toString(36)}`;
const prefix = `${run}.`;
const stream = `${prefix}orders`;
const env = { ORDERLY_CHANNEL_PREFIX: prefix, ORDERLY_NATS_STREAM: run.toUpperCase() };
let redis: Redis;
let dir: string;

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  dir = await mkdtemp(join(tmpdir(), 'orderly-publish-'));
});

afterAll(async () => {
  await redis?.del(stream);
  await redis?.quit();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function orderly(args: string[], extraEnv: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: { ...env, ...extraEnv }, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const decode = (raw: RawEvent) =>
  decodeEnvelope(raw, { channel: stream, coordinates: {}, gateway: 'redis', defaultCurrency: 'EUR', maxBodyBytes: 1 << 20, now: Date.now, newId: () => 'new' });

async function entries(): Promise<RawEvent[]> {
  return (await redis.xrange(stream, '-', '+')).map(([, fields]) => fromStreamFields(fields));
}

describe('orderly publish - to a real broker', () => {
  it('publishes one event to Redis: a sample overridden by --data, for --order, that decodes as printed', async () => {
    const result = await orderly(['publish', 'order.created', '--to', 'redis', '--order', `${run}-o1`, '--data', '{"userId":"u7","items":[{"productId":"p","quantity":3,"priceCents":250}]}']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [, id] = /^published (\S+) {2}order\.created {2}order (\S+) {2}to redis (\S+)\n$/.exec(result.stdout) ?? [];
    expect(result.stdout).toContain(`order ${run}-o1  to redis ${stream}`);
    const [entry] = await entries();
    const decoded = decode(entry!);
    expect(decoded).toMatchObject({ ok: true, envelope: { id, type: 'order.created', key: `${run}-o1`, data: { orderId: `${run}-o1`, userId: 'u7', totalCents: 750, currency: 'EUR' } } });
    await redis.del(stream);
  });

  it('--file: full CloudEvents go out as written, {type,data} lines are built; in file order', async () => {
    const cloudEvent = { specversion: '1.0', id: `${run}-ce1`, source: '/shop', type: 'order.created', dataversion: 1, data: { orderId: `${run}-o2`, userId: 'u1', items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, timestamp: '2030-01-01T00:00:00Z' } };
    const file = join(dir, 'events.ndjson');
    await writeFile(file, `${JSON.stringify(cloudEvent)}\n\n${JSON.stringify({ type: 'payment.completed', id: `${run}-pay`, data: { orderId: `${run}-o2`, paymentId: 'p1', amountCents: 100 } })}\n`);
    const result = await orderly(['publish', '--to', 'redis', '--file', file, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      broker: 'redis',
      channel: stream,
      published: [
        { id: `${run}-ce1`, type: 'order.created', orderId: `${run}-o2` },
        { id: `${run}-pay`, type: 'payment.completed', orderId: `${run}-o2` },
      ],
    });
    const [first, second] = await entries();
    expect(Buffer.from(first!.body).toString('utf8')).toBe(JSON.stringify(cloudEvent));
    // Decoded, the v1 event is upcast (currency filled in) like any producer's.
    expect(decode(first!)).toMatchObject({ ok: true, envelope: { id: `${run}-ce1`, version: 2, data: { currency: 'EUR' } } });
    expect(decode(second!)).toMatchObject({ ok: true, envelope: { id: `${run}-pay`, type: 'payment.completed' } });
    await redis.del(stream);
  });

  it('an invalid line publishes nothing and names the line; bad usage exits 2 with a reason', async () => {
    const file = join(dir, 'bad.ndjson');
    await writeFile(file, `${JSON.stringify({ type: 'order.cancelled', data: { orderId: 'o', reason: 'x' } })}\n${JSON.stringify({ type: 'payment.completed', data: { orderId: 'o', paymentId: 'p', amountCents: -1 } })}\n`);
    const bad = await orderly(['publish', '--to', 'redis', '--file', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${file}:2:`);
    expect(bad.stderr).toContain('amountCents');
    expect(await redis.exists(stream)).toBe(0);

    expect((await orderly(['publish', 'order.created', '--to', 'memory'])).stderr).toContain('must be one of kafka, rabbitmq, nats, redis');
    expect((await orderly(['publish', 'order.created'])).code).toBe(2);
    expect((await orderly(['publish', 'order.refunded', '--to', 'redis'])).code).toBe(2);
    expect((await orderly(['publish', 'order.created', '--to', 'redis', '--data', '{'])).stderr).toContain('--data is not JSON');
    expect((await orderly(['publish', 'order.created', '--to', 'redis'], { REDIS_URL: 'http://nope' })).stderr).toContain('REDIS_URL');
    const help = await orderly(['publish', '--help']);
    expect(help.code).toBe(0);
    for (const word of ['--to', '--file', '--data', '--order', 'kafka, rabbitmq, nats, redis']) expect(help.stdout).toContain(word);
  });

  it('publishes to NATS JetStream: the stream the gateway prepared holds the event, ids as printed', async () => {
    let nc: NatsConnection | undefined;
    try {
      const result = await orderly(['publish', 'order.shipped', '--to', 'nats', '--order', `${run}-o3`]);
      expect(result.code).toBe(0);
      const id = /^published (\S+)/.exec(result.stdout)?.[1];
      nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
      const jsm = await nc.jetstreamManager();
      const stored = await jsm.streams.getMessage(env.ORDERLY_NATS_STREAM, { last_by_subj: stream });
      expect(stored.header.get('message-id')).toBe(id);
      const headers = Object.fromEntries([...stored.header.keys()].map((k) => [k, stored.header.get(k)]));
      expect(decode({ body: stored.data, headers })).toMatchObject({ ok: true, envelope: { id, type: 'order.shipped', key: `${run}-o3` } });
    } finally {
      if (nc) {
        await (await nc.jetstreamManager()).streams.delete(env.ORDERLY_NATS_STREAM).catch(() => undefined);
        await nc.drain();
      }
    }
  });

  it('a broker that cannot be reached is a failure (exit 1), not a crash', async () => {
    const result = await orderly(['publish', 'order.created', '--to', 'redis'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^orderly: redis: publishing .* failed/);
  });
});
