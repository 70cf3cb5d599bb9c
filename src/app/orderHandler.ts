import type { Subject } from 'rxjs';
import type { Logger } from 'pino';
import type { OrderChange } from '../actors/decideOrder.js';
import type { OrderRegistry } from '../actors/orderRegistry.js';
import type { Envelope } from '../domain/envelope.js';
import type { HandlerOutcome } from '../streams/handlerOutcome.js';

/**
 * Adapts the order registry to the pipeline's handler contract: a stored effect (applied,
 * stashed or a harmless duplicate) is `done`, a refusal by the order's rules is a `reject` with
 * its reason, and anything thrown (store down, actor crashed, version conflict) is transient
 * and retried by the pipeline. Changes are announced only after they are stored, so a
 * redelivery never announces anything twice.
 */
export function orderHandler(registry: OrderRegistry, changes: Subject<OrderChange>, log: Logger) {
  return async (envelope: Envelope): Promise<HandlerOutcome> => {
    const result = await registry.apply(envelope);
    switch (result.kind) {
      case 'applied':
        for (const change of result.changes) changes.next(change);
        return { kind: 'done' };
      case 'stashed':
        // The event's ids, type, order and source come from the log context (see createLogger).
        log.debug({}, 'stashed until the order exists');
        return { kind: 'done' };
      case 'duplicate':
        return { kind: 'done' };
      case 'rejected':
        return { kind: 'reject', code: result.code, message: result.message };
    }
  };
}
