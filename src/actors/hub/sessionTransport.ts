/** What kind of server frame is being written; SSE uses it as the `event:` field. */
export type ServerFrameType = 'event' | 'subscribed' | 'reset' | 'error' | 'pong';

/**
 * The one connection a session writes to: a WebSocket or an SSE response. Implemented by the
 * gateways; the hub never knows which.
 */
export interface SessionTransport {
  /**
   * Writes one serialised JSON frame (the WebSocket text frame; SSE wraps it as `data:`). `seq`
   * is set for frames that carry a position (`event`, `subscribed`, `reset`): SSE writes it as
   * `id:`. Returns false when the peer's buffer is full: the session then queues (bounded) until
   * the gateway calls `drained()`.
   */
  send(frame: string, type: ServerFrameType, seq: number | undefined): boolean;
  /** Bytes written but not yet handed to the kernel; past the session's limit the client is cut off. */
  readonly bufferedAmount: number;
  /** Ends the connection: WebSocket close `code`; SSE ends the response. Called at most once. */
  close(code: number, reason: string): void;
}
