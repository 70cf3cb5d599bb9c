import { describe, expect, it } from 'vitest';
import { createNatsCoreGateway } from '../../../src/gateways/nats/createNatsCoreGateway.js';
import { consume, eventually, outbound, recordingLog, staysTrue, text, uniqueSubject } from './natsCoreTestKit.js';

// Against the machine's shared NATS server, on subjects unique to the run.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const patienceMs = 5_000;

describe('nats core gateway - bounded buffer', () => {
  it('keeps credit + maxBuffered, drops and counts the rest, and says so in two log lines, not one per message', async () => {
    const { log, lines } = recordingLog();
    const maxBuffered = 5;
    const credit = 1;
    const gateway = createNatsCoreGateway({ servers, maxBuffered, dropLogIntervalMs: 60_000 }, { log });
    try {
      const channel = uniqueSubject('overflow');
      const c = consume(gateway, { channels: [channel], group: 'g', credit });
      await eventually(() => c.readyCount() === 1, patienceMs, 'the subscription');
      const published = 200;
      await Promise.all(Array.from({ length: published }, (_, i) => gateway.publish(channel, outbound(`m${i}`))));
      const kept = credit + maxBuffered;
      await eventually(() => gateway.dropped() === published - kept, patienceMs, 'the overflow to be counted');
      expect(c.deliveries).toHaveLength(credit);

      // Settling hands out exactly what the buffer kept, oldest first, and then nothing: no other
      // copy of the dropped messages waits anywhere (not in nats.js either).
      while (c.deliveries.some((d) => !d.settled)) await Promise.all(c.deliveries.filter((d) => !d.settled).map((d) => d.ack()));
      expect(await staysTrue(() => c.deliveries.length === kept, 500)).toBe(true);
      expect(c.deliveries.map(text)).toEqual(Array.from({ length: kept }, (_, i) => `m${i}`));
      expect(gateway.dropped()).toBe(published - kept);
      // A kept body is a copy of its own, not a view pinning nats.js' socket read chunk.
      for (const d of c.deliveries) expect(d.message.body.buffer.byteLength).toBe(d.message.body.byteLength);

      // Rate-limited: the first drop at once, the rest summed, the tail reported when the consumer ends.
      const warnings = () => lines.filter((l) => l.level === 'warn');
      expect(warnings()).toHaveLength(1);
      c.subscription.unsubscribe();
      expect(warnings()).toHaveLength(2);
      const reported = warnings().reduce((sum, l) => sum + ((l.fields['dropped'] as Record<string, number>)['buffer-full'] ?? 0), 0);
      expect(reported).toBe(published - kept);
      expect(warnings()[1]!.fields).toMatchObject({ group: 'g', channels: [channel], droppedTotal: published - kept });
    } finally {
      await gateway.close();
    }
  });

  it('drain drops what waits (buffer and a pending retry), counts it, and completes without them', async () => {
    const { log } = recordingLog();
    const gateway = createNatsCoreGateway({ servers, maxBuffered: 3 }, { log });
    try {
      const channel = uniqueSubject('drain');
      const intake = new AbortController();
      const c = consume(gateway, { channels: [channel], group: 'g', credit: 1, signal: intake.signal });
      await eventually(() => c.readyCount() === 1, patienceMs, 'the subscription');
      for (let i = 0; i < 10; i++) await gateway.publish(channel, outbound(`d${i}`));
      await eventually(() => gateway.dropped() === 6, patienceMs, 'the overflow');
      // A retry keeps its credit while it waits: the buffer does not move on.
      await c.deliveries[0]!.retry(60_000);
      expect(await staysTrue(() => c.deliveries.length === 1, 300)).toBe(true);

      intake.abort();
      expect(c.done()).toBe(true); // nothing was out: the waiting retry and the buffer are dropped
      expect(gateway.dropped()).toBe(10);
      // Unsubscribed from the server at once: later messages do not arrive, and are not ours to count.
      await gateway.publish(channel, outbound('late'));
      expect(await staysTrue(() => c.deliveries.length === 1 && gateway.dropped() === 10, 300)).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('drain waits for what is out, then completes', async () => {
    const { log } = recordingLog();
    const gateway = createNatsCoreGateway({ servers, maxBuffered: 10 }, { log });
    try {
      const channel = uniqueSubject('drain-out');
      const intake = new AbortController();
      const c = consume(gateway, { channels: [channel], group: 'g', credit: 2, signal: intake.signal });
      await eventually(() => c.readyCount() === 1, patienceMs, 'the subscription');
      for (let i = 0; i < 5; i++) await gateway.publish(channel, outbound(`o${i}`));
      await eventually(() => c.deliveries.length === 2, patienceMs, 'two deliveries');
      intake.abort();
      expect(gateway.dropped()).toBe(3);
      await c.deliveries[0]!.ack();
      expect(c.done()).toBe(false);
      await c.deliveries[1]!.retry(0); // while draining a retry cannot come back: dropped, counted
      expect(c.done()).toBe(true);
      expect(gateway.dropped()).toBe(4);
      expect(c.deliveries).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });
});
