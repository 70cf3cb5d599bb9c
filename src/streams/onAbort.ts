/**
 * Runs `run` once `signal` aborts — at once if it already has — and returns the cleanup that
 * stops listening. Every source uses it for its drain, so the rule lives in one place.
 */
export function onAbort(signal: AbortSignal | undefined, run: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    run();
    return () => undefined;
  }
  signal.addEventListener('abort', run, { once: true });
  return () => signal.removeEventListener('abort', run);
}
