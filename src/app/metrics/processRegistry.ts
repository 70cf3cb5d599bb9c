import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * Node's and the process's own metrics (`process_*`, `nodejs_*`: CPU, memory, heap spaces,
 * event-loop lag, GC, handles), in a registry of their own made once per process. They describe
 * the process, not one Orderly instance, and `collectDefaultMetrics` starts a GC observer and an
 * event-loop monitor that nothing can stop: one per instance would leak with every instance a
 * test makes and report the same values twice. Never prom-client's global registry.
 */
export function processRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
