import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailSender, OutgoingMail } from '../../actors/jobs/mailSender.js';

export interface OutboxMailerOptions {
  /** Directory the `.eml` files go to; made if missing. Required. */
  readonly dir: string;
}

/** The outbox could not take a mail (disk full, no permission): transient, retried. */
export class OutboxWriteError extends Error {
  override readonly name = 'OutboxWriteError';
}

/** The file name of a mail id: the id itself where it is safe, percent-encoded where not. */
export const outboxFileName = (id: string): string => `${encodeURIComponent(id).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length))}.eml`;

/**
 * Writes every mail as an RFC 5322 message (`.eml`, built by nodemailer's stream transport, so it
 * is the same bytes SMTP would carry) into a directory: the development and test "mail server".
 * One file per mail id, written to a temporary name and renamed, so a reader never sees half a
 * mail and a repeated send replaces the file instead of adding a second one.
 */
export function createOutboxMailer(options: OutboxMailerOptions): MailSender {
  if (typeof options.dir !== 'string' || options.dir === '') throw new RangeError('outbox dir must be a non-empty path');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let made: Promise<unknown> | undefined;
  return {
    async send(mail: OutgoingMail) {
      const path = join(options.dir, outboxFileName(mail.id));
      try {
        made ??= mkdir(options.dir, { recursive: true }).catch((error: unknown) => {
          made = undefined;
          throw error;
        });
        await made;
        const info = await transport.sendMail({ ...fields(mail), messageId: `<${encodeURIComponent(mail.id)}@orderly>` });
        const temporary = `${path}.${process.pid}.tmp`;
        await writeFile(temporary, info.message as Buffer);
        await rename(temporary, path);
      } catch (cause) {
        throw new OutboxWriteError(`could not write ${path}`, { cause });
      }
      return { deliveredTo: path };
    },
  };
}

/** The nodemailer message fields of a mail. */
export function fields(mail: OutgoingMail): { from: string; to: string; subject: string; text: string; html: string } {
  return { from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
}
