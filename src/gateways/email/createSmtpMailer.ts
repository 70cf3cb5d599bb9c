import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailSender, OutgoingMail } from '../../actors/jobs/mailSender.js';
import { fields } from './createOutboxMailer.js';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://…` (nodemailer's connection URL). Required. */
  readonly url: string;
  /** Most time for one connection and one greeting, so a dead server fails the attempt instead of hanging it. @default 10000 */
  readonly timeoutMs?: number;
}

export interface SmtpMailer extends MailSender {
  /** Closes pooled connections. Idempotent. */
  close(): void;
}

/** The SMTP URL is not one nodemailer can use. */
export class InvalidSmtpUrlError extends Error {
  override readonly name = 'InvalidSmtpUrlError';
}

/**
 * Sends through an SMTP server with nodemailer. A refused or timed-out send rejects (transient: the
 * job retries with backoff). The `Message-ID` is made from the mail id, so a mail sent twice after
 * a crash can be recognised as one by the receiving side.
 */
export function createSmtpMailer(options: SmtpMailerOptions): SmtpMailer {
  if (!/^smtps?:\/\//.test(options.url)) throw new InvalidSmtpUrlError('SMTP_URL must start with smtp:// or smtps://');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeouts: SMTPTransport.Options = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs * 3 };
  const transport = nodemailer.createTransport(options.url, timeouts);
  return {
    async send(mail: OutgoingMail) {
      const info = await transport.sendMail({ ...fields(mail), messageId: `<${encodeURIComponent(mail.id)}@orderly>` });
      return { deliveredTo: `smtp:${String(info.messageId)}` };
    },
    close: () => transport.close(),
  };
}
