import type { Subject } from 'rxjs';
import type { Logger } from 'pino';
import type { OrderChange } from '../actors/decideOrder.js';
import type { OrderRegistry } from '../actors/orderRegistry.js';
import type { Envelope } from '../domain/envelope.js';
import type { ProcessOutcome } from '../streams/processDeliveries.js';
import { REPLAYED_FROM_HEADER } from '../streams/replayDeadLetter.js';
import type { LiveAnnouncer } from './liveAnnouncer.js';

/**
 * Adapts the order registry to the pipeline's handler contract: a stored effect (applied,
 * stashed or a harmless duplicate) is `done`, a refusal by the order's rules is a `reject` with
 * its reason, and anything thrown (store down, actor crashed, version conflict) is transient
 * and retried by the pipeline. Changes are published on `changes` only after they are stored,
 * so a redelivery never publishes anything twice there. Real-time clients get them through
 * `live`, awaited before the answer: a redelivery of the order's last commit announces its changes
 * again, since the first announcement may have died with an earlier process (the hub drops repeats).
 *
 * A refusal is stored by the registry before it is answered; once the pipeline has dead-lettered
 * it, `registry.deadLettered` makes any redelivery a duplicate. Should that mark fail, a
 * redelivery is dead-lettered once more, never applied and never lost.
 */
export function orderHandler(registry: OrderRegistry, changes: Subject<OrderChange>, live: LiveAnnouncer, log: Logger) {
  return async (envelope: Envelope): Promise<ProcessOutcome> => {
    const replayOf = envelope.headers[REPLAYED_FROM_HEADER];
    const result = await registry.apply(envelope, replayOf === undefined ? {} : { replayOf });
    switch (result.kind) {
      case 'applied':
        for (const change of result.changes) changes.next(change);
        await live.announce(result.changes);
        return { kind: 'done' };
      case 'stashed':
        // The event's ids, type, order and source come from the log context (see createLogger).
        log.debug({}, 'stashed until the order exists');
        return { kind: 'done' };
      case 'duplicate':
        if (result.changes) await live.announce(result.changes);
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
