import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startPipeline } from '../../src/app/startPipeline.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createMemoryBroker, createMemoryOrderStore } from '../../src/gateways/memory/index.js';
import type { BrokerGateway } from '../../src/streams/brokerGateway.js';
import { orderScript } from '../support/orderScripts.js';
import { silent, testConfig } from '../support/pipelineHarness.js';
import { until } from '../support/realtimeClient.js';

describe('pipeline supervisor - the outbox relay as a child', () => {
  it('restarts a relay that gave up after failed passes, and the new one publishes every status event', async () => {
    const config = testConfig({ ORDERLY_STATUS_EVENTS: 'true' });
    const broker = createMemoryBroker();
    const store = createMemoryOrderStore();
    // The status channel's broker refuses the first 25 publishes: more than one relay's worth of
    // failed passes (10 in a row), so the relay gives up at least twice.
    let refusals = 25;
    const published = new Set<string>();
    const gateway: BrokerGateway = {
      ...broker,
      async publish(channel, message) {
        if (channel !== config.ORDERLY_STATUS_CHANNEL) return broker.publish(channel, message);
        if (refusals > 0) {
          refusals--;
          throw new Error('status broker refused');
        }
        await broker.publish(channel, message);
        published.add((JSON.parse(new TextDecoder().decode(message.body)) as { id: string }).id);
      },
    };
    const pipeline = await startPipeline(config, { logger: silent, gateways: { memory: gateway }, store });
    try {
      const [script] = fc.sample(orderScript('sup-1'), { numRuns: 1, seed: 7 });
      for (const envelope of script!) await broker.publish('orders', encodeStructured(envelope));
      await until(() => refusals === 0, () => `the refusals to run out (${refusals} left)`);
      await until(() => pipeline.supervisor!.getSnapshot().status === 'active' && published.size > 0, () => 'a status event published');
      for (let i = 0; i < 500 && (await store.outboxBacklog()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await store.outboxBacklog()).toBe(0);
      const outbox = pipeline.supervisor!.getSnapshot().context.children.find((child) => child.id === 'outbox');
      expect(outbox).toMatchObject({ status: 'running' });
      expect(outbox!.restarts).toBeGreaterThanOrEqual(2);
      // The gateways were not disturbed by the relay's restarts.
      expect(pipeline.supervisor!.getSnapshot().context.children.find((child) => child.id === 'gateways')).toMatchObject({ status: 'running', restarts: 0 });
    } finally {
      await pipeline.stop(1_000);
      await broker.close();
    }
  });
});
