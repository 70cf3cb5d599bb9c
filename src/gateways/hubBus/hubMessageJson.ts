import type { HubMessage } from '../../actors/hub/hubMessage.js';

/**
 * The JSON every cluster bus carries for a hub message: its own fields only (a `seq` the caller
 * left on it is the bus's business). Throws `invalid(problem)`, before anything is sent, for a
 * message that is not a hub message.
 */
export function hubMessageJson(message: HubMessage, invalid: (problem: string, cause?: unknown) => Error): string {
  const { topics, ownerId, event, id } = message ?? ({} as HubMessage);
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string')) throw invalid('topics must be an array of strings');
  if (typeof ownerId !== 'string') throw invalid('ownerId must be a string');
  if (id !== undefined && typeof id !== 'string') throw invalid('id must be a string');
  try {
    return JSON.stringify(id === undefined ? { topics, ownerId, event } : { topics, ownerId, event, id });
  } catch (cause) {
    throw invalid('event is not JSON-serialisable', cause);
  }
}

/** The hub message in `json`, or `undefined` when it is not one (someone else publishing on the bus): dropped, never allowed to break the stream. */
export function parseHubMessage(json: string): HubMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { topics, ownerId, event, id } = parsed as Record<string, unknown>;
  if (!Array.isArray(topics) || !topics.every((topic) => typeof topic === 'string') || typeof ownerId !== 'string') return undefined;
  return typeof id === 'string' ? { topics, ownerId, event, id } : { topics, ownerId, event };
}
