import { decodeEnvelope } from '../domain/decodeEnvelope.js';
import type { Delivery } from './delivery.js';

/** What a dead letter is about, when its message is a valid event. */
export interface EventIdentity {
  /** The event id: its dedup key, which a replay keeps. */
  readonly id: string;
  readonly type: string;
  /** The ordering key: the order id. */
  readonly key: string;
  /** Absent when the message carries none (the decoder would make one up; the index must not). */
  readonly correlationId?: string;
}

export interface IdentifyEventConfig {
  /** Currency of an `order.created` v1, as the pipeline's `decode` has it. */
  readonly defaultCurrency: string;
  /** As the pipeline's `decode` has it. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /** As the pipeline's `decode` has it. @default '' */
  readonly channelPrefix?: string;
}

/**
 * Reads a delivery's id, type, key and correlation id the way the pipeline's `decode` does (the
 * same decoder, the same options), for the dead-letter index. Only called on the dead-letter
 * path, so decoding a second time costs nothing on the happy path. Undefined when the message
 * is not a valid event (then it was parked by `decode` and has no order to speak of).
 */
export function identifyEvent(config: IdentifyEventConfig): (delivery: Delivery) => EventIdentity | undefined {
  const prefix = config.channelPrefix ?? '';
  return ({ message, origin }) => {
    const decoded = decodeEnvelope(message, {
      channel: origin.channel.startsWith(prefix) ? origin.channel.slice(prefix.length) : origin.channel,
      coordinates: origin.coordinates,
      gateway: origin.gateway,
      defaultCurrency: config.defaultCurrency,
      maxBodyBytes: config.maxBodyBytes ?? 1_048_576,
      now: () => 0,
      newId: () => '',
    });
    if (!decoded.ok) return undefined;
    const { id, type, key, correlationId } = decoded.envelope;
    return { id, type, key, ...(correlationId === '' ? {} : { correlationId }) };
  };
}
