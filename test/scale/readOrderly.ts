import type { Redis } from 'ioredis';
import type { OrderRecord } from '../../src/actors/orderRecord.js';
import { createRedisOrderStore } from '../../src/gateways/redis/createRedisOrderStore.js';
import type { DeadLetterEntry } from '../../src/streams/deadLetterStore.js';
import type { DeadLetterSeen, StoredOrderSeen } from './oracle.js';

/**
 * Every order of `orderIds` as Orderly's Redis store has it, read with the store's own `load`
 * (so either stored form, plain or compact, is understood). Missing orders are left out.
 */
export async function readStoredOrders(redisUrl: string, keyPrefix: string, orderIds: readonly string[]): Promise<Map<string, StoredOrderSeen>> {
  const store = createRedisOrderStore({ redis: redisUrl, keyPrefix });
  try {
    const found = new Map<string, StoredOrderSeen>();
    for (let i = 0; i < orderIds.length; i += 500) {
      const slice = orderIds.slice(i, i + 500);
      const records = await Promise.all(slice.map((id) => store.load(id)));
      records.forEach((record: OrderRecord | undefined, j) => {
        if (record) found.set(slice[j]!, record);
      });
    }
    return found;
  } finally {
    await store.close();
  }
}

/**
 * Every entry of Orderly's dead-letter index on Redis (`<prefix>dlq:index`, a sorted set of entry
 * keys; each entry's JSON in its hash), oldest first. Read directly because the index's `list`
 * pages newest-first and at most 1,000 at a time; the layout is `createRedisDeadLetterStore`'s.
 */
export async function readDeadLetters(redis: Redis, keyPrefix: string): Promise<DeadLetterSeen[]> {
  const keys = await redis.zrange(`${keyPrefix}dlq:index`, 0, -1);
  const found: DeadLetterSeen[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const jsons = await Promise.all(keys.slice(i, i + 500).map((key) => redis.hget(key, 'json')));
    for (const json of jsons) {
      if (json === null) continue;
      const entry = JSON.parse(json) as DeadLetterEntry;
      const eventId = entry.eventId ?? entry.original.headers['message-id'];
      found.push({ ...(eventId === undefined ? {} : { eventId }), reason: entry.reason, message: entry.message });
    }
  }
  return found;
}

/** Status events still waiting in the shared outbox (the Redis store's `<prefix>outbox:pending`). */
export function outboxBacklog(redis: Redis, keyPrefix: string): Promise<number> {
  return redis.zcard(`${keyPrefix}outbox:pending`);
}
