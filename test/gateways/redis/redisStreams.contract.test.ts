import { Redis } from 'ioredis';
import { createRedisStreamsGateway } from '../../../src/gateways/redis/createRedisStreamsGateway.js';
import { sourceContract } from '../../contract/sourceContract.js';

// Against the Redis of this machine (shared, never flushed): the suite names every channel for
// the run, and the streams a test's gateway was prepared for (its channel and dead-letter
// channel) are deleted when that gateway closes.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

sourceContract({
  name: 'redis streams gateway',
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: true, durable: true, outlivesGateway: true },
  patienceMs: 5_000,
  async create() {
    // A short claim time: what a consumer that vanished held comes back soon after.
    const gateway = createRedisStreamsGateway({ url, claimIdleMs: 500 });
    const streams = new Set<string>();
    return {
      ...gateway,
      prepare: async (channels) => {
        for (const channel of channels) streams.add(channel).add(gateway.deadLetterChannel(channel));
        await gateway.prepare(channels);
      },
      close: async () => {
        await gateway.close();
        if (streams.size === 0) return;
        const redis = new Redis(url);
        await redis.del(...streams);
        await redis.quit();
      },
    };
  },
});
