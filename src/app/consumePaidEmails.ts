import { defer, ignoreElements, mergeMap, type Observable } from 'rxjs';
import { paidEmailFromStatus } from '../actors/jobs/paidOrderEmails.js';
import type { TaskRequest } from '../actors/jobs/enqueueTask.js';
import type { OrderStore } from '../actors/orderStore.js';
import type { Delivery } from '../streams/delivery.js';
import type { LogPort } from '../streams/logPort.js';
import type { Source } from '../streams/source.js';

export interface PaidEmailsOptions {
  /** The status channel (with its prefix), as the outbox relay publishes it. */
  readonly channel: string;
  /** Its own consumer group: every instance's group reads every status event once between them. */
  readonly group: string;
  /** Status events being handled at once. */
  readonly credit: number;
}

/**
 * Reads the `order.status-changed` events back from the broker and enqueues the confirmation
 * email of every order that became paid (see `paidEmailFromStatus`): acked once the task is
 * enqueued, handed back with backoff when that failed, dead-lettered when the event is not one.
 * Never emits; errors when the source fails (its supervisor restarts it).
 */
export function consumePaidEmails(
  source: Source,
  options: PaidEmailsOptions,
  deps: {
    readonly ensureEnqueued: (request: TaskRequest & { readonly taskId: string }) => Promise<void>;
    readonly orders: Pick<OrderStore, 'load'>; readonly retryDelay: (attempt: number) => number;
    readonly log: LogPort;
  },
): Observable<never> {
  const handle = async (delivery: Delivery): Promise<void> => {
    let change: { orderId: string; to: string; correlationId?: string };
    try {
      const event = JSON.parse(new TextDecoder().decode(delivery.message.body)) as { data?: { orderId?: unknown; to?: unknown }; correlationid?: unknown };
      if (typeof event.data?.orderId !== 'string' || typeof event.data.to !== 'string') throw new TypeError('not an order.status-changed event');
      change = { orderId: event.data.orderId, to: event.data.to, ...(typeof event.correlationid === 'string' ? { correlationId: event.correlationid } : {}) };
    } catch (error) {
      await delivery.deadLetter({ code: 'decode', message: 'not an order.status-changed event', error: String(error), attempts: 1 });
      return;
    }
    try {
      await paidEmailFromStatus(change, deps);
      await delivery.ack();
    } catch (error) {
      const delayMs = deps.retryDelay(delivery.origin.attempt);
      deps.log.warn({ orderId: change.orderId, err: error, delayMs }, 'confirmation email not enqueued yet; the status event comes back');
      await delivery.retry(delayMs);
    }
  };
  return defer(() => source.consume({ channels: [options.channel], group: options.group, credit: options.credit })).pipe(
    // The credit bounds what is held; settling a delivery gives its credit back.
    mergeMap((delivery) => handle(delivery).catch((error: unknown) => deps.log.warn({ err: error }, 'settling a status event failed; the broker redelivers it'))),
    ignoreElements(),
  );
}
