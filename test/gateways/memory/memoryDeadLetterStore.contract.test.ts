import { describe, expect, it } from 'vitest';
import { createMemoryDeadLetterStore, InvalidDeadLetterStoreOptionsError } from '../../../src/gateways/memory/createMemoryDeadLetterStore.js';
import { deadLetterStoreContract } from '../../contract/deadLetterStoreContract.js';

deadLetterStoreContract('memory dead-letter store', {
  open: async (options) => createMemoryDeadLetterStore(options),
});

describe('memory dead-letter store - options', () => {
  it('refuses a bound that is not a positive integer, naming it', () => {
    expect(() => createMemoryDeadLetterStore({ maxEntries: 0 })).toThrow(InvalidDeadLetterStoreOptionsError);
    expect(() => createMemoryDeadLetterStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});
