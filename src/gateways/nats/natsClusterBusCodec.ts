import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { NatsClusterBusInvalidMessageError, NatsClusterBusMessageTooLargeError } from './natsClusterBusErrors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The bytes a hub message travels as: the JSON of its own fields only (the sequence is the
 * stream's, not the publisher's). Throws a named error, before anything is sent, for a message
 * that is not a hub message or is larger than `maxBytes`.
 */
export function encodeHubMessage(message: HubMessage, maxBytes: number): Uint8Array {
  const { topics, ownerId, event, id } = message ?? ({} as HubMessage);
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string')) {
    throw new NatsClusterBusInvalidMessageError('topics must be an array of strings');
  }
  if (typeof ownerId !== 'string') throw new NatsClusterBusInvalidMessageError('ownerId must be a string');
  if (id !== undefined && typeof id !== 'string') throw new NatsClusterBusInvalidMessageError('id must be a string');
  let json: string;
  try {
    json = JSON.stringify(id === undefined ? { topics, ownerId, event } : { topics, ownerId, event, id });
  } catch (cause) {
    throw new NatsClusterBusInvalidMessageError('event is not JSON-serialisable', { cause });
  }
  const bytes = encoder.encode(json);
  if (bytes.byteLength > maxBytes) throw new NatsClusterBusMessageTooLargeError(bytes.byteLength, maxBytes);
  return bytes;
}

/**
 * A message read from the stream with the sequence the stream gave it, or `undefined` when its
 * body is not a hub message (someone else publishing on the subject): dropped, never allowed to
 * break the stream.
 */
export function decodeHubMessage(seq: number, data: Uint8Array): SequencedHubMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { topics, ownerId, event, id } = parsed as Record<string, unknown>;
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string') || typeof ownerId !== 'string') return undefined;
  return typeof id === 'string' ? { seq, topics, ownerId, event, id } : { seq, topics, ownerId, event };
}
