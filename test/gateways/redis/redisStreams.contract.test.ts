import { Redis } from 'ioredis';
import { createRedisStreamsGateway } from '../../../src/gateways/redis/createRedisStreamsGateway.js';
import { sourceContract } from '../../contract/sourceContract.js';

// Against the Redis of this machine (shared): the streams a test uses are named for the run
// and deleted when the test's gateway closes.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

sourceContract({
  name: 'redis streams gateway',
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: true },
  patienceMs: 5_000,
  async create() {
    // A short claim time: what a consumer that went away held comes back soon after.
    const gateway = createRedisStreamsGateway({ url, claimIdleMs: 300 });
    const streams = new Set<string>();
    return {
      ...gateway,
      prepare: async (channels) => {
        for (const c of channels) streams.add(c);
        await gateway.prepare(channels);
      },
      close: async () => {
        await gateway.close();
        const redis = new Redis(url);
        if (streams.size > 0) await redis.del(...streams);
        await redis.quit();
      },
    };
  },
});
