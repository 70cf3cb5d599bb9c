import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { hubMessageJson, parseHubMessage } from '../hubBus/hubMessageJson.js';
import { NatsClusterBusInvalidMessageError, NatsClusterBusMessageTooLargeError } from './natsClusterBusErrors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The bytes a hub message travels as: `hubMessageJson` in UTF-8 (the sequence is the stream's,
 * not the publisher's). Throws a named error, before anything is sent, for a message that is not
 * a hub message or is larger than `maxBytes`.
 */
export function encodeHubMessage(message: HubMessage, maxBytes: number): Uint8Array {
  const json = hubMessageJson(message, (problem, cause) => new NatsClusterBusInvalidMessageError(problem, cause === undefined ? undefined : { cause }));
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
  const message = parseHubMessage(decoder.decode(data));
  return message && { ...message, seq };
}
