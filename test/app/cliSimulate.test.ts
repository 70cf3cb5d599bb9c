import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createProgressMeter } from '../../src/app/cli/progressMeter.js';
import { runCli } from '../../src/app/cli/runCli.js';
import type { SimulationSummary } from '../../src/app/cli/simulateCommand.js';
import { simulateOrders, type SimulatedMessage } from '../../src/app/cli/simulateOrders.js';
import { orderLifecycle } from '../../src/actors/orderLifecycle.js';
import { decodeEnvelope, type RawEvent } from '../../src/domain/decodeEnvelope.js';
import type { OrderEvent } from '../../src/domain/orderEvents.js';
import { fromStreamFields } from '../../src/gateways/redis/redisStreamMessage.js';

// The simulated stream: its generator on its own (pure, seeded), then `orderly simulate` in
// process against the machine's Redis, checked against the generator's own output.
const run = `clisim${process.pid}${Date.now().toString(36)}`;
const prefix = `${run}.`;
const stream = `${prefix}orders`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  await redis?.del(stream);
  await redis?.quit();
});

const decode = (raw: RawEvent) =>
  decodeEnvelope(raw, { channel: stream, coordinates: {}, gateway: 'redis', defaultCurrency: 'EUR', maxBodyBytes: 1 << 20, now: Date.now, newId: () => 'new' });
const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');

function byOrder<T>(items: readonly T[], orderOf: (item: T) => string): Map<string, T[]> {
  const orders = new Map<string, T[]>();
  for (const item of items) orders.set(orderOf(item), [...(orders.get(orderOf(item)) ?? []), item]);
  return orders;
}

async function orderly(args: string[], io: { stderrIsTTY?: boolean; onInterrupt?: (handler: () => void) => () => void } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: { ORDERLY_CHANNEL_PREFIX: prefix }, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), ...io });
  return { code, stdout, stderr };
}

describe('simulateOrders - the stream generator', () => {
  const messages = [...simulateOrders({ orders: 40, seed: 7, runId: 'r' })];

  it('is deterministic: the same seed gives the same bytes, another seed another story', () => {
    const again = [...simulateOrders({ orders: 40, seed: 7, runId: 'r' })];
    expect(again.map((m) => [m.id, text(m.message.body)])).toEqual(messages.map((m) => [m.id, text(m.message.body)]));
    expect([...simulateOrders({ orders: 40, seed: 8, runId: 'r' })].map((m) => m.id)).not.toEqual(messages.map((m) => m.id));
  });

  it('tells every order a story the order rules accept, interleaved, with duplicates and invalid messages', () => {
    const kinds = new Set(messages.map((m) => (m.kind === 'event' ? m.type : m.kind)));
    expect([...kinds].sort()).toEqual(['duplicate', 'invalid', 'order.cancelled', 'order.created', 'order.shipped', 'payment.completed', 'payment.failed']);
    expect(byOrder(messages, (m) => m.orderId).size).toBe(40);
    // Interleaved: the second message is not always of the first message's order.
    expect(messages.slice(0, 10).some((m) => m.orderId !== messages[0]!.orderId)).toBe(true);
    for (const [orderId, story] of byOrder(messages, (m) => m.orderId)) {
      const order = createActor(orderLifecycle).start();
      const seen = new Map<string, string>();
      for (const m of story) {
        const decoded = decode(m.message);
        if (m.kind === 'invalid') {
          expect(decoded, `${m.id} should be ${m.expected}`).toMatchObject({ ok: false, code: m.expected });
          continue;
        }
        expect(decoded).toMatchObject({ ok: true, envelope: { id: m.id, type: m.type, key: orderId } });
        if (!decoded.ok) continue;
        if (m.kind === 'duplicate') {
          expect(seen.get(m.id), 'a duplicate comes after its original, same bytes').toBe(text(m.message.body));
          continue;
        }
        const event = { type: decoded.envelope.type, data: decoded.envelope.data } as OrderEvent;
        expect(order.getSnapshot().can(event), `${orderId}: ${event.type} in ${String(order.getSnapshot().value)}`).toBe(true);
        order.send(event);
        seen.set(m.id, text(m.message.body));
      }
      order.stop();
    }
  });

  it('counts finished orders up to all of them, never down', () => {
    const done = messages.map((m) => m.ordersDone);
    expect(done.every((n, i) => i === 0 || n >= done[i - 1]!)).toBe(true);
    expect(done.at(-1)).toBe(40);
  });
});

describe('orderly simulate - to Redis', () => {
  it('publishes the generator’s stream, paced, each order in order, and sums it up', async () => {
    const result = await orderly(['simulate', '--orders', '20', '--rate', '1000', '--to', 'redis', '--seed', '7', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as SimulationSummary;
    const expected: SimulatedMessage[] = [...simulateOrders({ orders: 20, seed: 7, runId: summary.runId })];
    const stored = (await redis.xrange(stream, '-', '+')).map(([, fields]) => fromStreamFields(fields));
    expect(stored).toHaveLength(expected.length);
    expect(summary).toMatchObject({ broker: 'redis', channel: stream, seed: 7, orders: 20, total: expected.length, interrupted: false });
    expect(summary.duplicates).toBe(expected.filter((m) => m.kind === 'duplicate').length);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(Object.values(summary.invalid).reduce((a, b) => a + b, 0)).toBe(expected.filter((m) => m.kind === 'invalid').length);
    expect(summary.published['order.created']).toBe(20);
    // Paced: n messages at 1000/s take at least (n - 1) ms.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(expected.length - 2);

    // Per order, the broker holds the generator's messages in the generator's order; the ids
    // of what Redis holds decode as the generator says (invalid ones fail with the expected code).
    const storedIds = byOrder(stored, (raw) => raw.key!);
    for (const [orderId, story] of byOrder(expected, (m) => m.orderId)) {
      expect((storedIds.get(orderId) ?? []).map((raw) => raw.headers['message-id']), orderId).toEqual(story.map((m) => m.id));
    }
    const invalidIds = new Set(expected.filter((m) => m.kind === 'invalid').map((m) => m.id));
    for (const raw of stored) expect(decode(raw).ok).toBe(!invalidIds.has(raw.headers['message-id']!));
    await redis.del(stream);
  });

  it('on a terminal draws a progress bar on stderr; Ctrl-C stops early with a summary (exit 130)', async () => {
    const tty = await orderly(['simulate', '--orders', '3', '--rate', '5000', '--to', 'redis'], { stderrIsTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/^\r\[#{24}\] 100% {2}3\/3 orders/);
    expect(tty.stderr.endsWith('\n')).toBe(true);
    expect(tty.stdout).toMatch(/^simulated 3 orders to redis .*\n {2}order\.created +3\n/);

    let interrupt: (() => void) | undefined;
    const started = Date.now();
    const running = orderly(['simulate', '--orders', '1000', '--rate', '100', '--to', 'redis', '--json'], {
      onInterrupt: (handler) => {
        interrupt = handler;
        return () => (interrupt = undefined);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    interrupt!();
    const stopped = await running;
    expect(stopped.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(interrupt, 'the Ctrl-C handler is removed').toBeUndefined();
    const summary = JSON.parse(stopped.stdout) as SimulationSummary;
    expect(summary.interrupted).toBe(true);
    expect(summary.total).toBeGreaterThan(0);
    expect(summary.total).toBeLessThan(100);
    await redis.del(stream);
  });

  it('without a terminal writes a plain line a second; bad options are usage errors', async () => {
    let now = 0;
    let stderr = '';
    const meter = createProgressMeter({ env: {}, stdout: () => undefined, stderr: (t) => void (stderr += t) }, 10, 'orders', () => now);
    for (let step = 1; step <= 10; step++) {
      now += 300;
      meter.update(step, step * 4);
    }
    meter.finish(10, 40);
    expect(stderr.split('\n').filter(Boolean)).toEqual(['40%  4/10 orders  16 events  13/s  1.2 s', '80%  8/10 orders  32 events  13/s  2.4 s']);

    for (const args of [['--rate', '0'], ['--orders', '2.5'], ['--seed', '-1'], ['--to', 'memory'], ['extra']]) {
      expect((await orderly(['simulate', '--to', 'redis', ...args])).code, args.join(' ')).toBe(2);
    }
    expect((await orderly(['simulate'])).stderr).toContain('--to <broker> is required');
    const help = await orderly(['simulate', '--help']);
    expect(help.code).toBe(0);
    for (const word of ['--orders', '--rate', '--seed', '--to']) expect(help.stdout).toContain(word);
  });
});
