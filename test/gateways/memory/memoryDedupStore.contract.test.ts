import { createMemoryDedupStore } from '../../../src/gateways/memory/createMemoryDedupStore.js';
import { dedupStoreContract } from '../../contract/dedupStoreContract.js';
import { FakeClock } from '../../support/fakeClock.js';

// Time moves only when the contract says so: ttls are checked without waiting.
const clock = new FakeClock();
let counter = 0;

dedupStoreContract('memory dedup store', {
  open: async () => createMemoryDedupStore({}, { clock }),
  passTime: async (ms) => clock.advance(ms),
  ttlMs: 60_000,
  unique: () => `m-${++counter}`,
});
