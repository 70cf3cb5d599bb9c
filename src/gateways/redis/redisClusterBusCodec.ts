import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { RedisClusterBusInvalidMessageError, RedisClusterBusMessageTooLargeError } from './redisClusterBusErrors.js';

/**
 * The JSON a hub message travels as: its own fields only (a `seq` the caller left on it is the
 * bus's business, not the publisher's). Throws a named error, before anything is sent, for a
 * message that is not a hub message or is larger than `maxBytes`.
 */
export function encodeHubMessage(message: HubMessage, maxBytes: number): string {
  const { topics, ownerId, event, id } = message ?? ({} as HubMessage);
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string')) {
    throw new RedisClusterBusInvalidMessageError('topics must be an array of strings');
  }
  if (typeof ownerId !== 'string') throw new RedisClusterBusInvalidMessageError('ownerId must be a string');
  if (id !== undefined && typeof id !== 'string') throw new RedisClusterBusInvalidMessageError('id must be a string');
  let json: string;
  try {
    json = JSON.stringify(id === undefined ? { topics, ownerId, event } : { topics, ownerId, event, id });
  } catch (cause) {
    throw new RedisClusterBusInvalidMessageError('event is not JSON-serialisable', { cause });
  }
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.slice(space + 1));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { topics, ownerId, event, id } = parsed as Record<string, unknown>;
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string') || typeof ownerId !== 'string') return undefined;
  return typeof id === 'string' ? { seq, topics, ownerId, event, id } : { seq, topics, ownerId, event };
}
