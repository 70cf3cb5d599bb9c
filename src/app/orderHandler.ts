import type { Subject } from 'rxjs';
import type { Logger } from 'pino';
import type { OrderChange } from '../actors/decideOrder.js';
import type { OrderRegistry } from '../actors/orderRegistry.js';
import type { Envelope } from '../domain/envelope.js';
import type { ProcessOutcome } from '../streams/processDeliveries.js';
import { REPLAYED_FROM_HEADER } from '../streams/replayDeadLetter.js';

/**
 * Adapts the order registry to the pipeline's handler contract: a stored effect (applied,
 * stashed or a harmless duplicate) is `done`, a refusal by the order's rules is a `reject` with
 * its reason, and anything thrown (store down, actor crashed, version conflict) is transient
 * and retried by the pipeline. Changes are announced only after they are stored, so a
 * redelivery never announces anything twice.
 *
 * A refusal is stored by the registry before it is answered; once the pipeline has dead-lettered
 * it, `registry.deadLettered` makes any redelivery a duplicate. Should that mark fail, a
 * redelivery is dead-lettered once more, never applied and never lost.
 */
export function orderHandler(registry: OrderRegistry, changes: Subject<OrderChange>, log: Logger) {
  return async (envelope: Envelope): Promise<ProcessOutcome> => {
    const replayOf = envelope.headers[REPLAYED_FROM_HEADER];
    const result = await registry.apply(envelope, replayOf === undefined ? {} : { replayOf });
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
        return {
          kind: 'reject',
          code: result.code,
          message: result.message,
          deadLettered: () =>
            registry.deadLettered(envelope).catch((error: unknown) => {
              log.warn({ err: error }, 'refusal dead-lettered, but not marked so: a redelivery would be dead-lettered again');
            }),
        };
    }
  };
}
