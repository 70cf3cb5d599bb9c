import { Redis } from 'ioredis';
import { VersionConflictError, type OrderStore } from '../../src/actors/orderStore.js';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/createLogger.js';
import { startPipeline } from '../../src/app/startPipeline.js';
import { createRedisOrderStore } from '../../src/gateways/redis/createRedisOrderStore.js';

/**
 * One Orderly pipeline (broker → order actors → Redis store → outbox), as `startPipeline` runs it
 * inside Orderly, whose store also notes who wrote what: every compare-and-set this instance lost
 * (`<prefix>race:conflicts`) and, per order, the instances whose saves got through
 * (`<prefix>race:writers:<orderId>`). The race proof runs several of these on one queue and asks
 * the oracle whether each order's state came out right although several instances wrote it.
 * Prints `RACE-READY` once consuming; SIGTERM drains and exits 0. Settings are Orderly's own.
 */
const instance = process.env.RACE_INSTANCE ?? String(process.pid);
const config = loadConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, pretty: false });
const notes = new Redis(config.REDIS_URL);
const redisStore = createRedisOrderStore({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX, maxOutboxPending: config.ORDERLY_OUTBOX_MAX_PENDING });
const prefix = config.ORDERLY_REDIS_KEY_PREFIX;

const store = new Proxy(redisStore, {
  get(target, property, receiver) {
    if (property === 'save') {
      return async (...args: Parameters<OrderStore['save']>) => {
        try {
          await target.save(...args);
        } catch (error) {
          if (error instanceof VersionConflictError) await notes.incr(`${prefix}race:conflicts`);
          throw error;
        }
        await notes.sadd(`${prefix}race:writers:${args[0].orderId}`, instance);
      };
    }
    const value: unknown = Reflect.get(target, property, receiver);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});

const pipeline = await startPipeline(config, { logger, store, onFatal: () => process.exit(1) });
while (!pipeline.sourcesReady.has(config.ORDERLY_SOURCES[0]!)) await new Promise((resolve) => setTimeout(resolve, 50));
console.log('RACE-READY');
process.once('SIGTERM', () => {
  void (async () => {
    await pipeline.stop(10_000);
    await redisStore.close();
    notes.disconnect();
    process.exit(0);
  })();
});
