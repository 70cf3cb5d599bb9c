/** One rendered email on its way out. */
export interface OutgoingMail {
  /** Stable per task: an outbox names its file after it, so a repeated run overwrites, never duplicates. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where emails go: an outbox directory or an SMTP server. */
export interface MailSender {
  /** Resolves with where it went (a file path, an SMTP message id) once it is there; rejects when it is not (transient). */
  send(mail: OutgoingMail): Promise<{ readonly deliveredTo: string }>;
}
