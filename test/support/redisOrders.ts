import type { Redis } from 'ioredis';

/** Every key matching `pattern`, by SCAN (never KEYS on a shared server). */
export async function keysOf(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** What the Redis order store holds of an order, as far as these tests read it. */
export interface StoredOrder {
  readonly status: string;
  readonly version: number;
  readonly history: readonly { readonly eventId: string }[];
}

/** The stored records of `orderIds` under `keyPrefix` (the Redis order store's layout), missing ones left out. */
export async function storedOrders(redis: Redis, keyPrefix: string, orderIds: readonly string[]): Promise<Map<string, StoredOrder>> {
  const records = await redis.pipeline(orderIds.map((id) => ['hget', `${keyPrefix}order:${id}`, 'record'])).exec();
  const found = new Map<string, StoredOrder>();
  (records ?? []).forEach(([, json], i) => {
    if (typeof json === 'string') found.set(orderIds[i]!, JSON.parse(json) as StoredOrder);
  });
  return found;
}

/** How many of `orderIds` are stored as paid. */
export async function paidOrders(redis: Redis, keyPrefix: string, orderIds: readonly string[]): Promise<number> {
  return [...(await storedOrders(redis, keyPrefix, orderIds)).values()].filter((order) => order.status === 'paid').length;
}

/** Deletes every key of a run: its store keys (`keyPrefix`) and its streams (`prefix`). */
export async function deleteRunKeys(redis: Redis, keyPrefix: string, prefix: string): Promise<void> {
  const keys = [...(await keysOf(redis, `${keyPrefix}*`)), ...(await keysOf(redis, `${prefix}*`))];
  if (keys.length > 0) await redis.del(...keys);
}
