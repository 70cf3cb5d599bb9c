import type { OrderScan } from '../../actors/jobs/orderScan.js';
import type { OrderRecord } from '../../actors/orderRecord.js';
import type { OrderStore } from '../../actors/orderStore.js';

export interface IndexedOrderStore extends OrderStore, OrderScan {
  /** Orders saved through this store (and not refused). */
  readonly indexed: number;
}

/**
 * Gives the embedded order store a scan without touching it: a wrapper that remembers the id of
 * every order saved through it. The embedded store forgets nothing, so the index is exactly its
 * content, and it is bounded by the store's own `maxOrders` (a save past it is refused before the
 * id is remembered). Every write must go through the wrapper: hand it to the pipeline as its store.
 */
export function withOrderIndex<S extends OrderStore>(store: S): S & IndexedOrderStore {
  const ids = new Set<string>();
  // Only what the wrapper changes; everything else of the store (its outbox, size, close) is
  // reached through the prototype, so the wrapper keeps up with the store's interface.
  const wrapper: Pick<IndexedOrderStore, 'indexed' | 'load' | 'save' | 'scan'> = {
    get indexed() {
      return ids.size;
    },
    load: (orderId) => store.load(orderId),
    async save(...args: Parameters<OrderStore['save']>) {
      await store.save(...args);
      ids.add(args[0].orderId);
    },
    async *scan(): AsyncIterable<OrderRecord> {
      // Ids added during the scan are visited too (a Set iterates what is added meanwhile).
      for (const id of ids) {
        const record = await store.load(id);
        if (record) yield record;
      }
    },
  };
  return Object.defineProperties(Object.create(store) as S, Object.getOwnPropertyDescriptors(wrapper)) as S & IndexedOrderStore;
}
