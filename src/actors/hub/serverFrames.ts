/**
 * Server frames, serialised. `eventFrame` is built once per topic per message and the same
 * string goes to every session: `eventJson` is the message's `event`, stringified once.
 */
export const eventFrame = (topic: string, seq: number, eventJson: string): string =>
  `{"type":"event","topic":${JSON.stringify(topic)},"seq":${seq},"event":${eventJson}}`;

export const subscribedFrame = (topic: string, seq: number): string => JSON.stringify({ type: 'subscribed', topic, seq });

/**
 * The history no longer reaches back to the session's `since`: what it missed is summed up by
 * `snapshot` (the order's current view, for `order:` topics) and it continues after `seq`. For
 * other topics there is no snapshot: the client reloads what it shows (e.g. `GET /orders/:id`).
 */
export const resetFrame = (topic: string, seq: number, snapshot: unknown): string =>
  JSON.stringify(snapshot === undefined ? { type: 'reset', topic, seq } : { type: 'reset', topic, seq, snapshot });

export const errorFrame = (code: string, message: string, topic?: string): string =>
  JSON.stringify(topic === undefined ? { type: 'error', code, message } : { type: 'error', code, message, topic });

export const PONG_FRAME = '{"type":"pong"}';
