import { connect } from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createRabbitMqGateway } from '../../../src/gateways/rabbitmq/createRabbitMqGateway.js';
import { closeRabbitConnectionsNamed } from '../../support/rabbitConnections.js';
import { reconnectRun } from '../../support/reconnectRun.js';

// Against the shared RabbitMQ of this machine. Only this gateway's own connections are closed,
// found by a connection name unique to the run: other test files use the broker at the same time.
const url = process.env.ORDERLY_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = `orderly-reconnect-${process.pid}-${Date.now().toString(36)}`;
const queue = `${run}.orders`;

afterAll(async () => {
  const admin = await connect(url);
  const channel = await admin.createChannel();
  for (const name of [queue, `${queue}.dlq`]) await channel.deleteQueue(name);
  await admin.close();
});

describe('rabbitmq gateway - reconnect', () => {
  it('loses no confirmed message when its connections are closed twice during 10,000 messages', { timeout: 120_000 }, async () => {
    const gateway = createRabbitMqGateway({ url, connectionName: run, publishTimeoutMs: 10_000 });
    const closedPerInterruption: number[] = [];
    try {
      await gateway.prepare([queue]);
      const result = await reconnectRun({
        gateway,
        channel: queue,
        group: run,
        total: 10_000,
        credit: 100,
        // Slower than the publisher (100 / 150 ms < 1,000/s): a backlog and held deliveries both cross each interruption.
        ackDelayMs: 150,
        ratePerSecond: 1_000,
        publishConcurrency: 32,
        interruptAt: [3_000, 6_500],
        // Each close hits a consumer that is back in place (onReady again since the last close).
        awaitReadyBetween: true,
        interrupt: async (k) => {
          closedPerInterruption.push(await closeRabbitConnectionsNamed(run, `test: interruption ${k + 1}`));
        },
        hungAfterMs: 15_000,
        deadlineMs: 90_000,
      });
      const summary = { ...result, confirmed: result.confirmed.size, received: result.received.size, lost: result.lost.slice(0, 20) };
      expect(summary.timedOut, JSON.stringify(summary)).toBe(false);
      expect(closedPerInterruption, 'two interruptions, each closed the gateway’s connection').toHaveLength(2);
      expect(closedPerInterruption.every((n) => n >= 1)).toBe(true);
      expect(result.interruptedAt.every((n) => n < 10_000), 'both interruptions happened mid-run').toBe(true);
      expect(result.confirmed.size).toBe(10_000);
      expect(result.lost, JSON.stringify(summary)).toEqual([]);
      expect(result.hungPublishes, 'a publish in flight when the connection died rejected or was confirmed').toBe(0);
      // The consumer felt both closes and was put back in place after each (onReady each time).
      expect(result.resubscribes).toBeGreaterThanOrEqual(2);
      expect(result.readyCalls).toBeGreaterThanOrEqual(3);
    } finally {
      await gateway.close();
    }
  });
});
