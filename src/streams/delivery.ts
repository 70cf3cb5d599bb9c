import type { Envelope } from '../domain/envelope.js';

/** Bytes and headers exactly as a broker handed them over, before any decoding. */
export interface InboundMessage {
  readonly body: Uint8Array;
  /** Header names lower-cased; values as strings (binary values decoded as UTF-8). */
  readonly headers: Readonly<Record<string, string>>;
  /** The broker's key for the record, when it has one (Kafka record key, Redis field `key`). */
  readonly key?: string;
}

/** Where a delivery came from: enough to find it again at the broker and to log it. */
export interface Origin {
  /** Gateway name: `memory`, `kafka`, `rabbitmq`, `nats`, `redis`, `http`. */
  readonly gateway: string;
  /** Channel it was consumed from (topic, queue, subject, stream); the event type by default. */
  readonly channel: string;
  /** Broker coordinates that identify this message, e.g. `{ partition: '3', offset: '17' }`. */
  readonly coordinates: Readonly<Record<string, string>>;
  /** 1 on first delivery; the broker's redelivery count + 1 afterwards. */
  readonly attempt: number;
  /** Epoch ms when the gateway emitted it. */
  readonly receivedAt: number;
}

/** Why a message was parked instead of applied. Every dead letter carries one. */
export type DeadLetterCode =
  | 'decode' // bytes are not JSON or not a CloudEvent
  | 'unknown-type'
  | 'unknown-version'
  | 'validation' // the data fails its schema or a business rule on the event itself
  | 'forbidden-transition' // the order's state does not allow this event
  | 'orphan' // stashed for an order that never appeared, past the stash bounds
  | 'max-attempts'; // a transient failure that did not heal within the retry limit

export interface DeadLetterReason {
  readonly code: DeadLetterCode;
  /** One line a human can act on. */
  readonly message: string;
  /** The last error's text, when an error caused it. */
  readonly error?: string;
  /** How many times processing was attempted. */
  readonly attempts: number;
}

/**
 * One message on its way through the pipeline, with exactly one settlement.
 *
 * Settlement is owned by the pipeline, never by business code. `ack`, `retry` and
 * `deadLetter` are mutually exclusive: the first call wins and any later call rejects with
 * `SettlementError` without reaching the broker. Each resolves once the broker has the outcome.
 */
export interface Delivery {
  readonly message: InboundMessage;
  readonly origin: Origin;
  /** True once any settlement has been called. */
  readonly settled: boolean;
  /** The message's effect is durable: the broker may forget it. */
  ack(): Promise<void>;
  /** Hand it back to the broker for redelivery after at least `delayMs`. */
  retry(delayMs: number): Promise<void>;
  /** Park it on the dead-letter channel with its reason and original headers, then forget it. */
  deadLetter(reason: DeadLetterReason): Promise<void>;
}

/** A delivery the pipeline has decoded: `envelope` is valid and upcast. */
export interface Decoded {
  readonly delivery: Delivery;
  readonly envelope: Envelope;
}

/** Settling a delivery a second time: a programming error, caught before the broker sees it. */
export class SettlementError extends Error {
  override readonly name = 'SettlementError';
  constructor(
    readonly attempted: 'ack' | 'retry' | 'deadLetter',
    readonly previous: 'ack' | 'retry' | 'deadLetter',
  ) {
    super(`delivery already settled with ${previous}; ${attempted} refused`);
  }
}
