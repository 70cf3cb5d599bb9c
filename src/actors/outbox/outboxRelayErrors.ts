const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * One pass of the relay failed: reading the outbox, publishing an entry, or removing entries it
 * had published. Nothing is lost either way: an entry leaves the outbox only after its publish
 * resolved, so the next pass publishes again whatever was not removed, with the same id.
 */
export class OutboxRelayError extends Error {
  override readonly name = 'OutboxRelayError';
  constructor(
    readonly stage: 'read' | 'publish' | 'remove',
    /** The entry whose publish failed (`publish`), or the first of those whose removal failed (`remove`). */
    readonly entryId: string | undefined,
    options: { cause: unknown },
  ) {
    super(`outbox relay: ${stage}${entryId === undefined ? '' : ` of ${entryId}`} failed: ${reason(options.cause)}`, options);
  }
}
