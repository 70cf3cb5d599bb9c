import type { DeadLetterReason, Delivery } from '../../streams/delivery.js';

/** What a job worker asks of the broker for its delivery once the task's new state is stored. */
export type JobOutcome =
  /** The task is finished (by this worker or, for a duplicate, another): the broker may forget it. */
  | { readonly kind: 'ack' }
  /** Run it again after `delayMs`: a transient failure with attempts left, or the store was unreachable. */
  | { readonly kind: 'retry'; readonly delayMs: number }
  /** The task is `dead`: park the message with its reason. */
  | { readonly kind: 'deadLetter'; readonly reason: DeadLetterReason };

/**
 * Performs `outcome` on `delivery`. A dead letter the broker refuses is followed by a retry after
 * `redeliverDelayMs`, so the message stays with the broker (the task is `dead` already and its
 * redelivery only acks). Never rejects: a refused settlement means the broker took the message
 * back and redelivers it, which the task store makes harmless.
 */
export async function settleJob(delivery: Delivery, outcome: JobOutcome, redeliverDelayMs: number): Promise<void> {
  try {
    if (outcome.kind === 'ack') await delivery.ack();
    else if (outcome.kind === 'retry') await delivery.retry(outcome.delayMs);
    else {
      try {
        await delivery.deadLetter(outcome.reason);
      } catch {
        await delivery.retry(redeliverDelayMs);
      }
    }
  } catch {
    // Taken back by the broker: it redelivers, and the task store decides again.
  }
}
