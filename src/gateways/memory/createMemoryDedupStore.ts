import { systemClock, type Clock } from '../../domain/clock.js';
import { checkDedupTtl, type DedupStore } from '../../streams/dedupStore.js';

export interface MemoryDedupStoreOptions {
  /**
   * Most claims kept. A claim past it drops the oldest claim first, even one whose ttl has not
   * run out: the bound wins over the ttl, so size it above (claims per second × longest ttl in
   * seconds) or a duplicate older than that gets through. @default 1_000_000
   */
  readonly maxEntries?: number;
}

export interface MemoryDedupStore extends DedupStore {
  /** Claims held, some perhaps past their ttl and not yet dropped. */
  readonly size: number;
}

/**
 * The embedded deduplicator: id → when its claim runs out, in the order claimed (a claim that
 * wins again moves to the back). Ttls are read from the clock at each call, so no timer runs;
 * claims past their ttl are dropped from the front as calls come, and any left further back
 * count towards `maxEntries` until they reach the front.
 */
export function createMemoryDedupStore(options: MemoryDedupStoreOptions = {}, deps: { clock?: Clock } = {}): MemoryDedupStore {
  const maxEntries = options.maxEntries ?? 1_000_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  const clock = deps.clock ?? systemClock;
  const claims = new Map<string, number>();

  const dropExpiredFront = (now: number) => {
    for (const [id, expiresAt] of claims) {
      if (expiresAt > now) break;
      claims.delete(id);
    }
  };
  const live = (id: string, now: number) => (claims.get(id) ?? -Infinity) > now;

  return {
    get size() {
      dropExpiredFront(clock.now());
      return claims.size;
    },
    async claim(id, ttlMs) {
      checkDedupTtl(id, ttlMs);
      const now = clock.now();
      dropExpiredFront(now);
      if (live(id, now)) return false;
      claims.delete(id);
      if (claims.size >= maxEntries) claims.delete(claims.keys().next().value as string);
      claims.set(id, now + ttlMs);
      return true;
    },
    async release(id) {
      claims.delete(id);
    },
    async seen(id) {
      const now = clock.now();
      dropExpiredFront(now);
      return live(id, now);
    },
  };
}
