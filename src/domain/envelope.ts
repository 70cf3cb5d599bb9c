/**
 * The one shape every gateway's native message becomes after decoding, and the shape every
 * outbound message is made from. It is a CloudEvent 1.0 seen through Orderly's eyes.
 */
export interface Envelope<Data = unknown> {
  /** Dedup key: unique per logical message (CloudEvents `id`). Redeliveries keep it. */
  readonly id: string;
  /** Event type, e.g. `order.created` (CloudEvents `type`). */
  readonly type: string;
  /** Schema version of `data` after upcasting; always the current version of `type`. */
  readonly version: number;
  /** Ordering key: the order id (CloudEvents extension `partitionkey`). */
  readonly key: string;
  /** Ties together every message caused by one request (extension `correlationid`). */
  readonly correlationId: string;
  /** Id of the message that caused this one (extension `causationid`), when known. */
  readonly causationId?: string;
  /** Who produced it (CloudEvents `source`). */
  readonly source: string;
  /** When it happened, ISO 8601 (CloudEvents `time`). */
  readonly occurredAt: string;
  /** Transport headers as received, lower-cased names; kept so a dead letter carries them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The validated, upcast event data. */
  readonly data: Data;
}
