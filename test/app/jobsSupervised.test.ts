import { throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { startJobs } from '../../src/app/startJobs.js';
import { createMemoryBroker, createMemoryOrderStore } from '../../src/gateways/memory/index.js';
import type { BrokerGateway } from '../../src/streams/brokerGateway.js';
import { until } from '../support/realtimeClient.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The embedded broker, except that its first `failures` subscriptions fail at once (the broker "is down"). */
function flakyGateway(failures: number): BrokerGateway & { subscriptions: number } {
  const broker = createMemoryBroker();
  const gateway = Object.assign(Object.create(broker) as BrokerGateway, { subscriptions: 0 });
  gateway.consume = (options) => (++gateway.subscriptions <= failures ? throwError(() => new Error('task broker down')) : broker.consume(options));
  gateway.publish = (channel, message) => broker.publish(channel, message);
  gateway.prepare = (channels) => broker.prepare(channels);
  gateway.close = () => broker.close();
  return gateway;
}

describe('jobs supervisor - the pool as a supervised child', () => {
  it('starts the pool again after its source failed, and then runs the tasks', async () => {
    const orders = createMemoryOrderStore();
    const gateway = flakyGateway(2);
    const config = loadConfig({ ORDERLY_RETRY_BASE_MS: '5', ORDERLY_RETRY_MAX_MS: '10' });
    let fatal: unknown;
    const jobs = await startJobs(config, { logger: silent, orders, orderScan: orders, gateway, onFatal: (error) => (fatal = error) });
    try {
      const { taskId } = await jobs.enqueue({ type: 'report', ownerId: 'ops', payload: {} });
      await until(() => gateway.subscriptions === 3, () => `the pool to be started a third time (${gateway.subscriptions})`);
      let status = '';
      for (let i = 0; i < 300 && status !== 'succeeded'; i++) {
        status = (await jobs.store.get(taskId))?.status ?? '';
        if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 10));
      }
      expect(status).toBe('succeeded');
      expect(fatal).toBeUndefined();
    } finally {
      await jobs.stop(1_000);
    }
  });

  it('gives up past the intensity and says so through onFatal', async () => {
    const orders = createMemoryOrderStore();
    const gateway = flakyGateway(1_000);
    const config = loadConfig({ ORDERLY_RETRY_BASE_MS: '5', ORDERLY_RETRY_MAX_MS: '10', ORDERLY_SOURCE_RESTART_INTENSITY: '2' });
    let fatal: unknown;
    const jobs = await startJobs(config, { logger: silent, orders, orderScan: orders, gateway, onFatal: (error) => (fatal = error) });
    try {
      await until(() => fatal !== undefined, () => 'the jobs supervisor to give up');
      expect(gateway.subscriptions).toBe(3); // the first start and two restarts
      expect(String(fatal)).toContain('task broker down');
    } finally {
      await jobs.stop(1_000);
    }
  });
});
