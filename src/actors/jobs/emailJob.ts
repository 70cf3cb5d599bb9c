import { z } from 'zod';
import type { OrderStore } from '../orderStore.js';
import { PermanentTaskError, type JobHandler } from './jobHandler.js';
import type { MailSender } from './mailSender.js';
import { renderOrderConfirmation } from './renderOrderConfirmation.js';

/** What an `email` task carries. */
export const emailInput = z.strictObject({
  orderId: z.string().min(1).max(200),
  /** Recipient; when absent, `recipientFor(order.userId)`. Only admins may set it (see the task routes). */
  to: z.email().max(254).optional(),
});
export type EmailInput = z.infer<typeof emailInput>;

export interface EmailJobDeps {
  readonly orders: Pick<OrderStore, 'load'>;
  readonly mailer: MailSender;
  /** Sender address, e.g. `Orderly <orders@example.com>`. */
  readonly from: string;
  /** The address of a user (there is no user directory): e.g. from a `{userId}@example.com` template. */
  readonly recipientFor: (userId: string) => string;
}

/** Not applied yet (an email asked for right after `POST /orders`): transient, retried with backoff. */
export class OrderNotYetKnownError extends Error {
  override readonly name = 'OrderNotYetKnownError';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is not known (yet)`);
  }
}

/**
 * The `email` job: renders the order confirmation of `orderId` and hands it to the mailer (the
 * outbox directory, or SMTP). The mail's id is the task id, so a repeated run (after a crash)
 * rewrites the same outbox file. Result: `{ orderId, to, subject, deliveredTo }`.
 */
export function createEmailJob(deps: EmailJobDeps): JobHandler {
  return {
    async run(input, context) {
      const parsed = emailInput.safeParse(input);
      if (!parsed.success) throw new PermanentTaskError(`invalid email payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
      const { orderId } = parsed.data;
      const record = await deps.orders.load(orderId);
      if (!record?.view) throw new OrderNotYetKnownError(orderId);
      const to = parsed.data.to ?? deps.recipientFor(record.view.userId);
      const rendered = renderOrderConfirmation(record.view, record.status);
      const sent = await deps.mailer.send({ id: context.taskId, from: deps.from, to, ...rendered });
      return { orderId, to, subject: rendered.subject, deliveredTo: sent.deliveredTo };
    },
  };
}
