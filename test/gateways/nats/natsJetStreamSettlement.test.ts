import { connect, type NatsConnection } from 'nats';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createNatsGateway, type NatsGateway } from '../../../src/gateways/nats/createNatsGateway.js';
import type { NatsOptions } from '../../../src/gateways/nats/natsOptions.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { unique } from '../../contract/sourceContract.js';

// Against the machine's shared JetStream server: every test gets a stream of its own, deleted after.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const body = (text: string) => new TextEncoder().encode(text);
async function within(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}
async function stillAfter(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!check()) return false;
    await sleep(10);
  }
  return check();
}

describe('nats jetstream gateway - settlement at the server', () => {
  const streams: string[] = [];
  let gateway: NatsGateway | undefined;
  let subscription: Subscription | undefined;
  let raw: NatsConnection | undefined;

  /** A gateway on a stream of its own, consuming one fresh channel; every delivery is recorded. */
  const consuming = async (options: NatsOptions, credit: number) => {
    const stream = unique('settle').replace(/[^A-Za-z0-9_-]/g, '_');
    streams.push(stream);
    gateway = createNatsGateway({ servers, stream, ...options });
    const channel = unique('ch');
    await gateway.prepare([channel]);
    const deliveries: Delivery[] = [];
    let ready = false;
    subscription = gateway.consume({ channels: [channel], group: unique('group'), credit, onReady: () => (ready = true) }).subscribe((d) => deliveries.push(d));
    await within(5_000, () => ready, 'the consumer to be in place');
    return { stream, channel, deliveries, gateway };
  };

  afterEach(async () => {
    subscription?.unsubscribe();
    await gateway?.close();
    await raw?.close();
    raw = undefined;
  });
  afterAll(async () => {
    const nc = await connect({ servers });
    const jsm = await nc.jetstreamManager();
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('dead-letters by publishing to the DLQ subject and then terminating the original', async () => {
    const { stream, channel, deliveries, gateway } = await consuming({ ackWaitMs: 1_000 }, 2);
    raw = await connect({ servers });
    const terminated: { stream_seq: number }[] = [];
    raw.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.>`, { callback: (_e, m) => terminated.push(m.json()) });
    await raw.flush();
    await gateway.publish(channel, { body: body('poison'), headers: {}, key: 'k' });
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    await deliveries[0]!.deadLetter({ code: 'validation', message: 'bad', attempts: 1 });
    // The server itself says it was terminated (an ack would not say so), and never sends it again.
    await within(5_000, () => terminated.length === 1, 'the terminated advisory');
    expect(String(terminated[0]!.stream_seq)).toBe(deliveries[0]!.origin.coordinates['sequence']);
    expect(await stillAfter(2_000, () => deliveries.length === 1)).toBe(true);
    const parked = await (await raw.jetstreamManager()).streams.getMessage(stream, { last_by_subj: `${channel}.dlq` });
    expect(new TextDecoder().decode(parked.data)).toBe('poison');
  });

  it('keeps a held delivery from redelivery with working() past the ack wait, until it settles', async () => {
    // Credit 2: a pull stays open, so a redelivery would be handed out here at once.
    const { channel, deliveries, gateway } = await consuming({ ackWaitMs: 1_000 }, 2);
    await gateway.publish(channel, { body: body('slow'), headers: {}, key: 'k' });
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    expect(await stillAfter(3_500, () => deliveries.length === 1)).toBe(true); // 3.5 ack waits
    await deliveries[0]!.ack();
    expect(await stillAfter(1_500, () => deliveries.length === 1)).toBe(true);
  });

  it('stops sending working() after maxWorkingMs, so a stuck delivery comes back', async () => {
    // One working() at 1 s holds it to 3 s; the next would pass maxWorkingMs, so none is sent.
    const { channel, deliveries, gateway } = await consuming({ ackWaitMs: 2_000, maxWorkingMs: 2_000 }, 2);
    await gateway.publish(channel, { body: body('stuck'), headers: {}, key: 'k' });
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    expect(await stillAfter(2_400, () => deliveries.length === 1)).toBe(true); // past the plain ack wait
    await within(4_000, () => deliveries.length === 2, 'the redelivery once working() stopped');
    expect(deliveries[1]!.origin.attempt).toBe(2);
    await deliveries[1]!.ack();
  });
});
