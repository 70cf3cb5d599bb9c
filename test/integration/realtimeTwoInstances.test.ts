import { Redis } from 'ioredis';
import { connect as natsConnect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, testAuthEnv } from '../support/auth.js';
import { goProducers } from '../support/goProducers.js';
import { connectRealtime, subscribe, until, type RealtimeClient, type ServerFrame } from '../support/realtimeClient.js';
import { spawnOrderly, type SpawnedOrderly } from '../support/spawnOrderly.js';

/**
 * Issue 4, across instances: two Orderly processes (built entry point) share the Redis store and
 * a cluster bus. Only B consumes the broker (A reads streams nobody writes to), so every change a
 * client on A sees was processed by B and crossed the bus. A client on each instance gets the same
 * frames with the same `seq`; a client dropped on A mid-stream that resumes on B with `since` ends
 * up with exactly the frames of one that never left: no gap, no duplicate.
 */
const ORDERS = 30; // of the watched user: 60 changes, within the default history of 100 per topic
const redis = new Redis('redis://127.0.0.1:6379');
const processes: SpawnedOrderly[] = [];
const clients: RealtimeClient[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(processes.map((orderly) => orderly.stop()));
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await redis.quit();
}, 60_000);

async function deleteKeys(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** What identifies a change for a client: the same on every instance, or the bus broke its promise. */
const line = (frame: ServerFrame) => `${frame.seq} ${frame.topic} ${frame.event!.snapshot.orderId} ${frame.event!.snapshot.status}`;

describe.each(['redis', 'nats'] as const)('real-time across instances - %s cluster bus', (bus) => {
  it('shows a client on A the changes B processed, with the seq B’s clients see, and resumes on the other instance without gap or duplicate', async () => {
    const run = `orderly-rt2-${bus}-${process.pid}-${Date.now().toString(36)}`;
    const hubStream = run.replace(/[^A-Za-z0-9_-]/g, '_');
    cleanups.push(() => deleteKeys(`${run}*`)); // store, dedup marks, bus counter, streams of A and B
    if (bus === 'nats') {
      cleanups.push(async () => {
        const nc = await natsConnect({ servers: '127.0.0.1:4222' });
        await (await nc.jetstreamManager()).streams.delete(hubStream).catch(() => undefined);
        await nc.close();
      });
    }
    const common = {
      PORT: '0',
      LOG_LEVEL: 'warn',
      ORDERLY_SOURCES: 'redis',
      ORDERLY_CHANNELS: 'order.created,payment.completed',
      ORDERLY_CONSUMER_GROUP: run,
      ORDERLY_STORE: 'redis',
      ORDERLY_REDIS_KEY_PREFIX: `${run}:`,
      ORDERLY_HUB_BUS: bus,
      ORDERLY_HUB_NATS_STREAM: hubStream,
      ...testAuthEnv,
    };
    const [a, b] = await Promise.all([
      spawnOrderly({ ...common, ORDERLY_CHANNEL_PREFIX: `${run}.idle.` }), // nobody publishes there
      spawnOrderly({ ...common, ORDERLY_CHANNEL_PREFIX: `${run}.` }),
    ]);
    processes.push(a, b);
    const producer = await goProducers.redis(`${run}.`, common, run);
    cleanups.unshift(() => producer.close());

    const user = `${run}-u`;
    const other = `${run}-v`; // changes of someone else, interleaved: never shown to `user`
    const topic = `user:${user}`;
    const open = async (orderly: SpawnedOrderly) => {
      const client = await connectRealtime(`${orderly.url.replace(/^http/, 'ws')}/ws`, await bearer(user));
      clients.push(client);
      return client;
    };
    const [onA, onB, dropped] = await Promise.all([open(a), open(b), open(a)]);
    for (const client of [onA, onB, dropped]) expect((await subscribe(client, topic)).type).toBe('subscribed');

    const publishOrder = async (orderId: string, userId: string) => {
      const created = { orderId, userId, items: [{ productId: 'p', quantity: 1, priceCents: 100 }], totalCents: 100, timestamp: '2026-01-01T00:00:00Z' };
      await producer.publish('order.created', created, `${orderId}:created`, orderId);
      await producer.publish('payment.completed', { orderId, paymentId: `pay-${orderId}`, amountCents: 100 }, `${orderId}:paid`, orderId);
    };
    // A steady stream, so that the drop and the resume both happen while changes flow.
    const publishing = (async () => {
      for (let n = 0; n < ORDERS; n++) {
        await publishOrder(`${run}-o${n}`, user);
        if (n % 2 === 0) await publishOrder(`${run}-x${n}`, other);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    // Drop the connection abruptly a third of the way in; what it had processed is what it has.
    await dropped.waitFor(() => dropped.events().length >= ORDERS * 2 / 3, 'a third of the changes on the client to drop', 15_000);
    dropped.ws.terminate();
    const beforeDrop = dropped.events().slice();
    const since = beforeDrop.at(-1)!.seq!;
    const resumed = await open(b);
    const answer = await subscribe(resumed, topic, since);
    expect(answer).toMatchObject({ type: 'subscribed', seq: since });

    await publishing;
    await until(() => onA.events().length >= ORDERS * 2 && onB.events().length >= ORDERS * 2, () => `all ${ORDERS * 2} changes on A (${onA.events().length}) and B (${onB.events().length})`, 20_000);
    const lastSeq = onA.events().at(-1)!.seq!;
    await until(() => resumed.events().some((frame) => frame.seq === lastSeq), () => `the resumed client to reach seq ${lastSeq}`, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for anything stray to arrive

    // A saw B's work: every change of the user's orders, created then paid, and nothing else.
    const onALines = onA.events().map(line);
    const expected = Array.from({ length: ORDERS }, (_, n) => [`${run}-o${n} pending`, `${run}-o${n} paid`]).flat();
    expect(onALines.map((l) => l.split(' ').slice(2).join(' ')).sort()).toEqual(expected.sort());
    expect(onALines.every((l) => l.includes(` ${topic} `))).toBe(true);
    const seqs = onA.events().map((frame) => frame.seq!);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
    // The same frames with the same seq on both instances.
    expect(onB.events().map(line)).toEqual(onALines);
    // Dropped on A, resumed on B: exactly the frames of a client that never left.
    expect(resumed.frames.filter((frame) => frame.type === 'reset' || frame.type === 'error')).toEqual([]);
    expect(beforeDrop.length).toBeLessThan(ORDERS * 2); // dropped mid-stream, not after it
    expect([...beforeDrop, ...resumed.events()].map(line)).toEqual(onALines);
  }, 60_000);
});
