import type { OrderChange } from '../decideOrder.js';
import type { OrderStore } from '../orderStore.js';
import { TaskExistsError } from '../taskStore.js';
import type { TaskEnqueuer, TaskRequest } from './enqueueTask.js';

/** The one email task of a paid order: a second change to `paid` (after a failed payment) finds it. */
export const confirmationTaskId = (orderId: string): string => `email-confirmation-${encodeURIComponent(orderId)}`;

export interface PaidOrderEmailsDeps {
  readonly enqueue: TaskEnqueuer;
  /** Most enqueues on their way at once; past it a confirmation is skipped and reported. */
  readonly maxPending: number;
  /** Told when a confirmation could not be enqueued (skipped past `maxPending`, or refused). */
  readonly onSkipped?: (orderId: string, error?: unknown) => void;
}

/**
 * A paid order enqueues its confirmation email itself: called with every applied order change,
 * it enqueues `email` for the order's owner when the order becomes `paid`, under a task id made
 * from the order id so that it is enqueued once. Returns what is on its way, for shutdown.
 *
 * Not transactional with the order: the change is emitted after the order is stored, and a
 * crash between the two loses the email. So this is the embedded default's path (where a crash
 * loses everything anyway); with status events on, `paidEmailFromStatus` is used instead.
 */
export function paidOrderEmails(deps: PaidOrderEmailsDeps): { onChange(change: OrderChange): void; pending(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  return {
    onChange(change) {
      if (change.to !== 'paid') return;
      const orderId = change.view.orderId;
      if (inFlight.size >= deps.maxPending) {
        deps.onSkipped?.(orderId);
        return;
      }
      const work = deps
        .enqueue({ type: 'email', ownerId: change.view.userId, payload: { orderId }, taskId: confirmationTaskId(orderId), correlationId: change.envelope.correlationId })
        .then(
          () => undefined,
          (error: unknown) => {
            if (!(error instanceof TaskExistsError)) deps.onSkipped?.(orderId, error);
          },
        )
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    },
    pending: async () => {
      await Promise.all(inFlight);
    },
  };
}

/** What a paid-email decision needs of an `order.status-changed` event. */
export interface StatusChange {
  readonly orderId: string;
  readonly to: string;
  readonly correlationId?: string;
}

/**
 * A paid order's confirmation email, from its `order.status-changed` event read back from the
 * broker: the event was written in the same store step as the order (the transactional outbox)
 * and is delivered at least once, the task id is made from the order id, and `ensureEnqueued`
 * publishes a task that is still `queued` again. So every paid order gets exactly one email, a
 * crash anywhere in between included. Resolves once the task is on the broker (or past it);
 * rejects when it should be tried again (store or broker down).
 */
export async function paidEmailFromStatus(
  change: StatusChange,
  deps: { readonly ensureEnqueued: (request: TaskRequest & { readonly taskId: string }) => Promise<void>; readonly orders: Pick<OrderStore, 'load'> },
): Promise<void> {
  if (change.to !== 'paid') return;
  const order = await deps.orders.load(change.orderId);
  // The status event is only ever written with its order, so a missing order is another
  // deployment's event on a shared channel: nothing to send.
  if (!order?.view) return;
  await deps.ensureEnqueued({
    type: 'email',
    ownerId: order.view.userId,
    payload: { orderId: change.orderId },
    taskId: confirmationTaskId(change.orderId),
    ...(change.correlationId ? { correlationId: change.correlationId } : {}),
  });
}
