/** A frame a client may send. */
export type ClientFrame =
  | { readonly type: 'subscribe'; readonly topic: string; readonly since?: number }
  | { readonly type: 'unsubscribe'; readonly topic: string }
  | { readonly type: 'ping' };

/** Why a client frame was not understood; `code` goes back in the error frame. */
export interface FrameProblem {
  readonly code: 'invalid_json' | 'invalid_frame' | 'unknown_type';
  readonly message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one text frame. Never throws: anything unexpected is a `FrameProblem`. */
export function parseClientFrame(text: string): ClientFrame | FrameProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'invalid_json', message: 'frame is not JSON' };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { code: 'invalid_frame', message: 'frame must be an object with a string "type"' };
  switch (value.type) {
    case 'ping':
      return { type: 'ping' };
    case 'unsubscribe':
      if (typeof value.topic !== 'string') return { code: 'invalid_frame', message: 'unsubscribe needs a string "topic"' };
      return { type: 'unsubscribe', topic: value.topic };
    case 'subscribe': {
      if (typeof value.topic !== 'string') return { code: 'invalid_frame', message: 'subscribe needs a string "topic"' };
      const since = value.since;
      if (since === undefined || since === null) return { type: 'subscribe', topic: value.topic };
      if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
        return { code: 'invalid_frame', message: '"since" must be a non-negative integer (the last seq received)' };
      }
      return { type: 'subscribe', topic: value.topic, since };
    }
    default:
      return { code: 'unknown_type', message: 'type must be subscribe, unsubscribe or ping' };
  }
}

export const isFrameProblem = (parsed: ClientFrame | FrameProblem): parsed is FrameProblem => 'code' in parsed;
