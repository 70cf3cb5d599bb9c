import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { hubMessageJson, parseHubMessage } from '../hubBus/hubMessageJson.js';
import { RedisClusterBusInvalidMessageError, RedisClusterBusMessageTooLargeError } from './redisClusterBusErrors.js';

/**
 * The JSON a hub message travels as (`hubMessageJson`). Throws a named error, before anything is
 * sent, for a message that is not a hub message or is larger than `maxBytes`.
 */
export function encodeHubMessage(message: HubMessage, maxBytes: number): string {
  const json = hubMessageJson(message, (problem, cause) => new RedisClusterBusInvalidMessageError(problem, cause === undefined ? undefined : { cause }));
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new RedisClusterBusMessageTooLargeError(bytes, maxBytes);
  return json;
}

/**
 * A frame the sequencer script published (`<seq> <json>`), read from the channel, or `undefined` when it is not one of this bus's (someone else
 * publishing on the channel): such a frame is dropped, never allowed to break the stream.
 */
export function decodeFrame(frame: string): SequencedHubMessage | undefined {
  const space = frame.indexOf(' ');
  if (space < 1) return undefined;
  const seq = Number(frame.slice(0, space));
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
  const message = parseHubMessage(frame.slice(space + 1));
  return message && { ...message, seq };
}
