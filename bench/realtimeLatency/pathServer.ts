import type { Endpoint } from './receiverTask.js';

/** The two paths from the broker to a WebSocket client that are compared. */
export const PATH_KINDS = ['orderly', 'raw'] as const;
export type PathKind = (typeof PATH_KINDS)[number];

/** One path's server side, consuming the run's streams and sending to connected WebSocket clients. */
export interface PathServer {
  readonly endpoint: Endpoint;
  /** Anything that went wrong so far (a dead-lettered event, a client cut off, a failed read); empty when all is well. */
  problems(): string[];
  /** Stops consuming and closes every connection; bounded. The parent deletes the run's keys afterwards. */
  close(): Promise<void>;
}
