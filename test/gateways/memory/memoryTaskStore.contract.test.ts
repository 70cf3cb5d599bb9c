import { createMemoryTaskStore } from '../../../src/gateways/memory/createMemoryTaskStore.js';
import { taskStoreContract } from '../../contract/taskStoreContract.js';
import { FakeClock } from '../../support/fakeClock.js';

// Time moves only when the contract says so: the retention is checked to the millisecond, without waiting.
const clock = new FakeClock();
let counter = 0;

taskStoreContract('memory task store', {
  open: async ({ retentionMs }) => createMemoryTaskStore({ retentionMs }, { clock }),
  passTime: async (ms) => clock.advance(ms),
  retentionMs: 60_000,
  unique: () => `t-${++counter}`,
});
