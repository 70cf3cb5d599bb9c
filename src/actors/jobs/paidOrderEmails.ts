import type { OrderChange } from '../decideOrder.js';
import { TaskExistsError } from '../taskStore.js';
import type { TaskEnqueuer } from './enqueueTask.js';

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
 * crash between the two loses the email (see the report's "undone").
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
