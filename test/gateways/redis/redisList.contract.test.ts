import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createRedisListGateway } from '../../../src/gateways/redis/createRedisListGateway.js';
import { sourceContract } from '../../contract/sourceContract.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// Against the Redis of this machine (shared, never flushed). All gateways of this file share one
// run prefix (a publisher's gateway must reach a consumer's lists); a gateway that closes
// deletes every key of the channels it was prepared for: lists, dead-letter lists, processing
// lists, liveness keys and registries all start with `<prefix><channel>`.
const keys = runKeyPrefix('list-contract');

async function deleteChannelKeys(channels: Iterable<string>): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const channel of channels) {
      // Channel names come from the suite's `unique`: letters, digits and dashes, no glob characters.
      for await (const found of redis.scanStream({ match: `${keys.prefix}${channel}*`, count: 1000 })) {
        if ((found as string[]).length > 0) await redis.del(...(found as string[]));
      }
    }
  } finally {
    await redis.quit();
  }
}

sourceContract({
  name: 'redis list gateway',
  // Attempts travel inside the entry (see redisListEntry.ts); lists have no groups: all compete.
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: false, durable: true, outlivesGateway: true },
  patienceMs: 5_000,
  async create() {
    // A short liveness: what a consumer that vanished held comes back soon after.
    const gateway = createRedisListGateway({ url: redisUrl, keyPrefix: keys.prefix, blockMs: 100, staleAfterMs: 1_000 });
    const prepared = new Set<string>();
    return {
      ...gateway,
      prepare: async (channels) => {
        for (const channel of channels) prepared.add(channel);
        await gateway.prepare(channels);
      },
      close: async () => {
        await gateway.close();
        await deleteChannelKeys(prepared);
      },
    };
  },
});

afterAll(() => keys.deleteKeys()); // whatever a failed test left behind
