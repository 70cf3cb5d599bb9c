import { AckPolicy, connect, type JetStreamManager, type NatsConnection } from 'nats';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsGateway, type NatsGateway } from '../../../src/gateways/nats/createNatsGateway.js';
import type { NatsOptions } from '../../../src/gateways/nats/natsOptions.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { unique } from '../../contract/sourceContract.js';

// The JetStream safety net through the gateway, against the machine's shared server: every test
// gets a stream of its own, deleted after.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const body = (text: string) => new TextEncoder().encode(text);
async function within(ms: number, check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('nats jetstream gateway - max deliveries end in the DLQ', () => {
  const streams: string[] = [];
  const gateways: NatsGateway[] = [];
  const subscriptions: Subscription[] = [];
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const newStream = () => {
    const stream = unique('maxdeliver').replace(/[^A-Za-z0-9_-]/g, '_');
    streams.push(stream);
    return stream;
  };
  const gatewayOn = (stream: string, options: NatsOptions = {}) => {
    const gateway = createNatsGateway({ servers, stream, ...options });
    gateways.push(gateway);
    return gateway;
  };
  /** Consumes `channel` as `group` through `gateway`; every delivery is recorded, none settled. */
  const consuming = async (gateway: NatsGateway, channel: string, group = unique('group')) => {
    const deliveries: Delivery[] = [];
    let ready = false;
    subscriptions.push(gateway.consume({ channels: [channel], group, credit: 4, onReady: () => (ready = true) }).subscribe((d) => deliveries.push(d)));
    await within(5_000, () => ready, 'the consumer to be in place');
    return deliveries;
  };
  const copies = async (stream: string, subject: string) => (await jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
  const consumerConfig = async (stream: string) => {
    const [info] = await jsm.consumers.list(stream).next();
    return info!.config;
  };

  beforeAll(async () => {
    nc = await connect({ servers });
    jsm = await nc.jetstreamManager();
  });
  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    for (const gateway of gateways.splice(0)) await gateway.close();
  });
  afterAll(async () => {
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  it('parks a message handed back with retry until max_deliver, once, with the dead-letter headers', async () => {
    const stream = newStream();
    const channel = unique('orders');
    const consumer = gatewayOn(stream, { maxDeliver: 2 });
    const other = gatewayOn(stream); // a second instance watching the same stream: still one copy
    await other.prepare([channel]);
    const deliveries = await consuming(consumer, channel);
    await other.publish(channel, { body: body('{"poison":true}'), headers: { 'message-id': `${channel}-1` }, key: 'order-1' });

    await within(5_000, () => deliveries.length === 1, 'the first delivery');
    await deliveries[0]!.retry(0);
    await within(5_000, () => deliveries.length === 2, 'the redelivery');
    expect(deliveries[1]!.origin.attempt).toBe(2);
    await deliveries[1]!.retry(0);

    await within(5_000, async () => (await copies(stream, `${channel}.dlq`)) > 0, 'the copy on the DLQ');
    await sleep(1_000); // time for a second copy, were there one
    expect(await copies(stream, `${channel}.dlq`)).toBe(1);
    expect(deliveries).toHaveLength(2); // the server gave up: no third delivery
    const parked = await jsm.streams.getMessage(stream, { last_by_subj: `${channel}.dlq` });
    expect(new TextDecoder().decode(parked.data)).toBe('{"poison":true}');
    expect(parked.header.get('message-id')).toBe(`${channel}-1`);
    expect(parked.header.get('x-orderly-key')).toBe('order-1');
    expect(parked.header.get('x-dead-letter-code')).toBe('max-attempts');
    expect(parked.header.get('x-dead-letter-attempts')).toBe('2');
    expect(parked.header.get('x-original-channel')).toBe(channel);
    expect(JSON.parse(parked.header.get('x-original-coordinates'))).toMatchObject({ stream, sequence: deliveries[0]!.origin.coordinates['sequence'] });
  });

  it('parks a message that is never settled (a crash loop) once the server gave up on it', async () => {
    const stream = newStream();
    const channel = unique('orders');
    // No working() past the ack wait: each delivery comes back after 1.5 s, as from a crashed process.
    const gateway = gatewayOn(stream, { maxDeliver: 2, ackWaitMs: 1_000, maxWorkingMs: 1_000 });
    const deliveries = await consuming(gateway, channel);
    await gateway.publish(channel, { body: body('crash'), headers: {}, key: 'k' });

    await within(8_000, async () => (await copies(stream, `${channel}.dlq`)) > 0, 'the copy on the DLQ');
    expect(deliveries.map((d) => d.origin.attempt)).toEqual([1, 2]);
    const parked = await jsm.streams.getMessage(stream, { last_by_subj: `${channel}.dlq` });
    expect(new TextDecoder().decode(parked.data)).toBe('crash');
    expect(parked.header.get('x-dead-letter-code')).toBe('max-attempts');
    expect(parked.header.get('x-dead-letter-attempts')).toBe('2');
    await sleep(1_000);
    expect(await copies(stream, `${channel}.dlq`)).toBe(1);
  });

  it('sets max_deliver on its durable consumers, updating one made with another', async () => {
    const stream = newStream();
    const channel = unique('orders');
    const group = unique('group');
    await consuming(gatewayOn(stream), channel, group);
    const { durable_name: durable, max_deliver: byDefault } = await consumerConfig(stream);
    expect(byDefault).toBe(20);
    // As an earlier Orderly left it: no max_deliver at all.
    await jsm.consumers.update(stream, durable!, { max_deliver: -1 });
    expect((await consumerConfig(stream)).max_deliver).toBe(-1);

    await consuming(gatewayOn(stream, { maxDeliver: 3 }), channel, group);
    const config = await consumerConfig(stream);
    expect(config.durable_name).toBe(durable);
    expect(config.max_deliver).toBe(3);
  });

  it('stops watching when it closes (idempotently): what the server gives up on afterwards is not copied', async () => {
    const stream = newStream();
    const channel = unique('orders');
    const gateway = gatewayOn(stream);
    await gateway.prepare([channel]);
    await gateway.close();
    await gateway.close();

    await jsm.consumers.add(stream, { durable_name: 'other', ack_policy: AckPolicy.Explicit, max_deliver: 1, filter_subject: channel });
    const js = nc.jetstream();
    await js.publish(channel, body('after close'));
    const other = await js.consumers.get(stream, 'other');
    (await other.next({ expires: 2_000 }))!.nak();
    expect(await other.next({ expires: 1_000 })).toBeNull(); // the server gave up and said so
    await sleep(1_000);
    expect(await copies(stream, `${channel}.dlq`)).toBe(0);
  });
});
