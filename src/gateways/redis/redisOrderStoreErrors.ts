const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * Redis did not answer a load or save (connection refused or lost, command timed out, a reply
 * error). Transient as far as the store knows: after a failed save the write may or may not have
 * happened, so the caller reloads before trying again.
 */
export class RedisOrderStoreError extends Error {
  override readonly name = 'RedisOrderStoreError';
  constructor(
    readonly operation: 'load' | 'save',
    readonly orderId: string,
    options: { cause: unknown },
  ) {
    super(`redis order store: ${operation} of order ${orderId} failed: ${reason(options.cause)}`, options);
  }
}

/** What Redis holds for an order is not a record this store can read; retrying will not help. */
export class CorruptOrderRecordError extends Error {
  override readonly name = 'CorruptOrderRecordError';
  constructor(
    readonly orderId: string,
    readonly key: string,
    problem: string,
    options?: { cause: unknown },
  ) {
    super(`redis order store: ${key} (order ${orderId}) ${problem}`, options);
  }
}

/** `close()` was called; the store reads and writes nothing more. */
export class RedisOrderStoreClosedError extends Error {
  override readonly name = 'RedisOrderStoreClosedError';
  constructor(readonly orderId: string) {
    super(`redis order store is closed (order ${orderId})`);
  }
}
