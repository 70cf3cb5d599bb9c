import type { DeadLetterEntry, DeadLetterStore } from './deadLetterStore.js';
import type { Sink } from './source.js';

export interface ReplayDeps {
  /** The index: the entry is removed once the broker has the replayed message. */
  readonly store: Pick<DeadLetterStore, 'delete'>;
  /** Where a message consumed through `gateway` is published again (the publisher gateway by default in the app). */
  readonly sinkFor: (gateway: string) => Sink;
}

/**
 * The header a replayed message carries: the id of the entry it replays. A gateway whose broker
 * deduplicates on the message's id deduplicates a replay on this instead (NATS JetStream).
 */
export const REPLAYED_FROM_HEADER = 'x-dead-letter-replayed-from';

/** What a replay did. */
export interface ReplayResult {
  readonly id: string;
  readonly eventId?: string;
  readonly gateway: string;
  readonly channel: string;
}

/** The broker refused the replayed message; the entry stays in the index, so it can be replayed again. */
export class DeadLetterReplayError extends Error {
  override readonly name = 'DeadLetterReplayError';
  constructor(
    readonly entryId: string,
    options: { cause: unknown },
  ) {
    super(`replay of dead letter ${entryId} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/**
 * Publishes the original message again — its bytes and headers as they arrived, so its event
 * id and therefore dedup still hold — to the channel it was consumed from, then removes the
 * entry from the index. Publish first: a crash in between leaves the entry, and replaying it
 * once more is a harmless duplicate; the reverse could lose the message from the index while it
 * never reached the broker. A plain payload whose id was derived from its broker coordinates
 * gets a `message-id` header with that id, since its new coordinates would derive another.
 */
export async function replayDeadLetter(entry: DeadLetterEntry, deps: ReplayDeps): Promise<ReplayResult> {
  const { original, origin } = entry;
  const headers: Record<string, string> = { ...original.headers, [REPLAYED_FROM_HEADER]: entry.id };
  if (entry.eventId !== undefined && !hasIdHeader(original.headers)) headers['message-id'] = entry.eventId;
  try {
    await deps.sinkFor(origin.gateway).publish(origin.channel, {
      body: Buffer.from(original.body, 'base64'),
      headers,
      key: original.key ?? entry.orderKey ?? '',
    });
  } catch (cause) {
    throw new DeadLetterReplayError(entry.id, { cause });
  }
  await deps.store.delete(entry.id);
  return { id: entry.id, ...(entry.eventId === undefined ? {} : { eventId: entry.eventId }), gateway: origin.gateway, channel: origin.channel };
}

const hasIdHeader = (headers: Readonly<Record<string, string>>) =>
  Object.keys(headers).some((name) => ['message-id', 'ce-id', 'ce_id'].includes(name.toLowerCase()));
