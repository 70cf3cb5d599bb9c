import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaGateway } from '../../../src/gateways/kafka/createKafkaGateway.js';
import type { LogPort } from '../../../src/streams/logPort.js';
import { ownKafka, type OwnKafka } from '../../support/ownKafka.js';
import { reconnectRun } from '../../support/reconnectRun.js';

// A broker restart, for real: the test starts a Kafka of its own (scripts/kafka.sh on spare ports
// in a temporary directory), restarts it twice mid-run, and deletes it afterwards. The shared
// broker on 9092 is never touched. A start takes 10-20 s: this file takes about 1.5 minutes when it passes.
const run = `orderly-reconnect-${process.pid}-${Date.now().toString(36)}`;
let kafka: OwnKafka | undefined;

beforeAll(async () => {
  kafka = await ownKafka();
  await kafka.start();
}, 120_000);

afterAll(async () => {
  await kafka?.destroy();
}, 60_000);

/** kafkajs' warnings: the last few, and how often each kind came (bounded), to say what happened. */
function recentWarnings(limit: number): LogPort & { lines: string[]; kinds: Map<string, number> } {
  const lines: string[] = [];
  const kinds = new Map<string, number>();
  const keep = (fields: object, message: string) => {
    lines.push(`${message} ${JSON.stringify(fields).slice(0, 300)}`);
    if (lines.length > limit) lines.shift();
    const kind = message.replace(/[0-9]+/g, 'N').slice(0, 80);
    if (kinds.has(kind) || kinds.size < 50) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  };
  return { lines, kinds, debug: () => undefined, info: () => undefined, warn: keep, error: keep };
}

describe('kafka gateway - reconnect', () => {
  it('loses no confirmed message when its broker restarts twice during 10,000 messages', { timeout: 150_000 }, async () => {
    const own = kafka!;
    const log = recentWarnings(30);
    const gateway = createKafkaGateway({ brokers: own.brokers, partitions: 3 }, { log });
    const topic = `${run}.orders`;
    try {
      await gateway.prepare([topic]);
      const result = await reconnectRun({
        gateway,
        channel: topic,
        group: run,
        total: 10_000,
        credit: 100,
        // Slower than the publisher (100 / 150 ms < 1,000/s): a backlog and held deliveries both cross each interruption.
        ackDelayMs: 150,
        ratePerSecond: 1_000,
        publishConcurrency: 32,
        interruptAt: [3_000, 6_500],
        interrupt: async () => {
          await own.stop();
          await own.start();
        },
        hungAfterMs: 45_000,
        deadlineMs: 130_000,
      });
      const summary = {
        ...result,
        confirmed: result.confirmed.size,
        received: result.received.size,
        lost: result.lost.slice(0, 20),
        lostCount: result.lost.length,
        kafkajs: log.lines.slice(-8),
        kafkajsKinds: Object.fromEntries(log.kinds),
      };
      expect(summary.timedOut, JSON.stringify(summary)).toBe(false);
      expect(result.interruptedAt, 'both restarts happened mid-run').toHaveLength(2);
      expect(result.interruptedAt.every((n) => n < 10_000)).toBe(true);
      expect(result.confirmed.size).toBe(10_000);
      expect(result.lost, JSON.stringify(summary)).toEqual([]);
      expect(result.hungPublishes, 'a publish in flight when the broker went down rejected or was confirmed').toBe(0);
    } finally {
      await gateway.close();
    }
  });
});
