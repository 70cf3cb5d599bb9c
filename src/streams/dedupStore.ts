/**
 * The deduplicator of DESIGN.md shared by everything that is not an order: a message id (a
 * task's, an HTTP idempotency key) is claimed once, and for `ttlMs` every other claim of it
 * loses. Orders do not need it: their applied ids are written with their state.
 *
 * The usual use: `claim` before doing the work; if the work fails before its effect is
 * durable, `release` so that a retry can claim again; on success leave the claim to expire.
 */
export interface DedupStore {
  /**
   * Resolves true for the first claim of `id` within `ttlMs` and false for every other one,
   * atomically: of many concurrent claims, exactly one wins. A losing claim does not extend the
   * winner's ttl. `ttlMs` is a positive integer (`RangeError`).
   */
  claim(id: string, ttlMs: number): Promise<boolean>;
  /**
   * Forgets the claim of `id` so that the next claim wins again (after a failed first attempt).
   * Does nothing when `id` is not claimed. It takes no token: the caller releases only a claim
   * it won, and only before its ttl ran out (after that another caller's claim may be the one
   * released).
   */
  release(id: string): Promise<void>;
  /** Whether `id` is claimed now (claimed, not released, ttl not run out). */
  seen(id: string): Promise<boolean>;
}

/** Throws `RangeError` for a ttl no store can honour; every store checks it before any I/O. */
export function checkDedupTtl(id: string, ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`dedup ${id}: ttlMs must be a positive integer, got ${ttlMs}`);
}
