// The in-memory gateway's public surface; everything else in this folder is internal.
export { createMemoryBroker, type MemoryBroker } from './createMemoryBroker.js';
export type { MemoryBrokerOptions } from './memoryBrokerOptions.js';
export {
  BrokerClosedError,
  BrokerFullError,
  DeadLetterFailedError,
  DeliveryRevokedError,
  InvalidConsumeOptionsError,
  InvalidMemoryBrokerOptionsError,
  InvalidPublishError,
  InvalidRetryDelayError,
  type MemoryBrokerLimit,
} from './memoryBrokerErrors.js';
export { createMemoryOrderStore, OrderStoreFullError, type MemoryOrderStore, type MemoryOrderStoreOptions } from './createMemoryOrderStore.js';
