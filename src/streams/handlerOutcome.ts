import type { DeadLetterCode } from './delivery.js';

/**
 * What business code answers for one envelope. Thrown errors are failures (see `errors.ts`):
 * a `PermanentError` is dead-lettered at once, anything else is transient and retried.
 */
export type HandlerOutcome =
  /** Its effect is durable (applied, a duplicate with no effect, or stashed durably): ack. */
  | { readonly kind: 'done' }
  /** Permanent refusal: dead-letter now with this reason, no retry. */
  | { readonly kind: 'reject'; readonly code: DeadLetterCode; readonly message: string };
