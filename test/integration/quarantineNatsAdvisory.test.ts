import { AckPolicy, connect, headers as natsHeaders, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchMaxDeliveries } from '../../src/gateways/nats/watchMaxDeliveries.js';

// The JetStream safety net on the machine's NATS: a stream and consumer of this run's own
// (deleted afterwards), a message nak'd until the server gives up on it.
const run = `q${process.pid}${Date.now().toString(36)}`;
const stream = `QUARANTINE_${run}`;
const subject = `${run}.orders`;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject, `${subject}.dlq`], storage: StorageType.Memory });
  await jsm.consumers.add(stream, { durable_name: 'orderly', ack_policy: AckPolicy.Explicit, max_deliver: 2, filter_subject: subject, ack_wait: 30_000_000_000 });
});

afterAll(async () => {
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.drain();
});

describe('quarantine - JetStream max-deliveries advisory', () => {
  it('copies a message the server gave up on to its .dlq subject, headers kept, once', async () => {
    const stop = watchMaxDeliveries(nc, jsm, { stream });
    const stop2 = watchMaxDeliveries(nc, jsm, { stream }); // a second instance: still one copy
    try {
      const js = nc.jetstream();
      const h = natsHeaders();
      h.set('ce-id', `${run}-poison`);
      await js.publish(subject, new TextEncoder().encode('{"poison":true}'), { headers: h });
      const consumer = await js.consumers.get(stream, 'orderly');
      for (let delivery = 1; delivery <= 2; delivery++) {
        const message = await consumer.next({ expires: 5_000 });
        expect(message?.info.redeliveryCount).toBe(delivery);
        message!.nak();
      }
      // The server looks for a third delivery, finds max_deliver reached, and says so.
      expect(await consumer.next({ expires: 1_000 })).toBeNull();

      let copies = 0;
      for (let i = 0; i < 100 && copies === 0; i++) {
        copies = (await jsm.streams.info(stream, { subjects_filter: `${subject}.dlq` })).state.subjects?.[`${subject}.dlq`] ?? 0;
        if (copies === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(copies).toBe(1);
      const parked = await jsm.streams.getMessage(stream, { last_by_subj: `${subject}.dlq` });
      expect(new TextDecoder().decode(parked.data)).toBe('{"poison":true}');
      expect(parked.header.get('ce-id')).toBe(`${run}-poison`);
      expect(parked.header.get('x-dead-letter-code')).toBe('max-attempts');
      expect(parked.header.get('x-dead-letter-attempts')).toBe('2');
      expect(parked.header.get('x-original-channel')).toBe(subject);
      expect(JSON.parse(parked.header.get('x-original-coordinates'))).toMatchObject({ stream, sequence: '1', consumer: 'orderly' });
    } finally {
      stop();
      stop2();
    }
  });
});
