import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsGateway, type NatsGateway } from '../../../src/gateways/nats/createNatsGateway.js';
import type { DeadLetterEntry } from '../../../src/streams/deadLetterStore.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { replayDeadLetter } from '../../../src/streams/replayDeadLetter.js';
import { unique } from '../../contract/sourceContract.js';

// Server-side dedup (`Nats-Msg-Id`, within the stream's duplicate window, two minutes by default):
// every publish here is well within it. Against the machine's shared server, a stream per test.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const body = (text: string) => new TextEncoder().encode(text);
async function within(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('nats jetstream gateway - dedup ids', () => {
  const streams: string[] = [];
  let gateway: NatsGateway | undefined;
  let subscription: Subscription | undefined;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const consuming = async () => {
    const stream = unique('msgid').replace(/[^A-Za-z0-9_-]/g, '_');
    streams.push(stream);
    gateway = createNatsGateway({ servers, stream });
    const channel = unique('orders');
    const deliveries: Delivery[] = [];
    let ready = false;
    subscription = gateway.consume({ channels: [channel], group: unique('group'), credit: 4, onReady: () => (ready = true) }).subscribe((d) => deliveries.push(d));
    await within(5_000, () => ready, 'the consumer to be in place');
    return { stream, channel, deliveries, gateway };
  };
  const count = async (stream: string, subject: string) => (await jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;

  beforeAll(async () => {
    nc = await connect({ servers });
    jsm = await nc.jetstreamManager();
  });
  afterEach(async () => {
    subscription?.unsubscribe();
    await gateway?.close();
  });
  afterAll(async () => {
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  it('keeps one copy of a message published twice with the same message-id', async () => {
    const { stream, channel, deliveries, gateway } = await consuming();
    for (let i = 0; i < 2; i++) await gateway.publish(channel, { body: body('once'), headers: { 'message-id': `${channel}-1` }, key: 'k' });
    expect(await count(stream, channel)).toBe(1);
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    await deliveries[0]!.ack();
  });

  it('parks a dead letter although its message-id was published moments before', async () => {
    const { stream, channel, deliveries, gateway } = await consuming();
    await gateway.publish(channel, { body: body('poison'), headers: { 'message-id': `${channel}-1` }, key: 'k' });
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    await deliveries[0]!.deadLetter({ code: 'validation', message: 'bad', attempts: 1 });
    expect(await count(stream, `${channel}.dlq`)).toBe(1);
    const parked = await jsm.streams.getMessage(stream, { last_by_subj: `${channel}.dlq` });
    expect(parked.header.get('message-id')).toBe(`${channel}-1`);
    expect(parked.header.get('x-dead-letter-code')).toBe('validation');
  });

  it('delivers a replayed dead letter again within the duplicate window, once per entry', async () => {
    const { stream, channel, deliveries, gateway } = await consuming();
    const headers = { 'message-id': `${channel}-1` };
    await gateway.publish(channel, { body: body('retry me'), headers, key: 'order-1' });
    await within(5_000, () => deliveries.length === 1, 'the delivery');
    await deliveries[0]!.ack();

    const entry: DeadLetterEntry = {
      id: unique('entry'),
      reason: 'max-attempts',
      message: 'gave up',
      attempts: 5,
      firstFailedAt: new Date().toISOString(),
      lastFailedAt: new Date().toISOString(),
      origin: { gateway: 'nats', channel, coordinates: deliveries[0]!.origin.coordinates, attempt: 1 },
      original: { body: Buffer.from('retry me').toString('base64'), headers, key: 'order-1' },
    };
    const deps = { store: { delete: () => Promise.resolve(true) }, sinkFor: () => gateway };
    await replayDeadLetter(entry, deps);
    await replayDeadLetter(entry, deps); // the same entry again (its index delete failed, say): one copy
    await within(5_000, () => deliveries.length === 2, 'the replayed delivery');
    expect(await count(stream, channel)).toBe(2);
    expect(deliveries[1]!.message.headers).toMatchObject({ 'message-id': `${channel}-1`, 'x-dead-letter-replayed-from': entry.id });
    await deliveries[1]!.ack();
  });
});
