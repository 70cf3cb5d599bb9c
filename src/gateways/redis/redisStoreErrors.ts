const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** Which of the Redis stores built on `openRedisStoreConnection` failed. */
export type RedisStoreName = 'task' | 'dedup';

/**
 * Redis did not answer (connection refused or lost, command timed out, a reply error).
 * Transient as far as the store knows; after a failed write the write may or may not have
 * happened, so the caller reads again before it decides.
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  constructor(
    readonly store: RedisStoreName,
    readonly operation: string,
    readonly id: string,
    options: { cause: unknown },
  ) {
    super(`redis ${store} store: ${operation} of ${id} failed: ${reason(options.cause)}`, options);
  }
}

/** `close()` was called; the store reads and writes nothing more. */
export class RedisStoreClosedError extends Error {
  override readonly name = 'RedisStoreClosedError';
  constructor(
    readonly store: RedisStoreName,
    readonly id: string,
  ) {
    super(`redis ${store} store is closed (${id})`);
  }
}

/** What Redis holds for a task is not a record this store can read; retrying will not help. */
export class CorruptTaskRecordError extends Error {
  override readonly name = 'CorruptTaskRecordError';
  constructor(
    readonly taskId: string,
    readonly key: string,
    problem: string,
    options?: { cause: unknown },
  ) {
    super(`redis task store: ${key} (task ${taskId}) ${problem}`, options);
  }
}
