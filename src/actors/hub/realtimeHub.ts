import type { Principal } from '../../domain/principal.js';
import type { SessionTransport } from './sessionTransport.js';

/**
 * What the WebSocket and SSE gateways see of the hub (they import this type only). A gateway
 * authenticates the connection, wraps it in a `SessionTransport` and reports what happens on it;
 * the hub decides what the client gets.
 */
export interface RealtimeHub {
  /** Whether a new connection would be refused for lack of room; check before upgrading. */
  readonly full: boolean;
  /** Opens a session for an authenticated connection. A full hub closes the transport at once (1013). */
  connect(principal: Principal, transport: SessionTransport): HubSessionHandle;
  /**
   * Whether `principal` may subscribe to `topic` (syntax and ownership), without subscribing: SSE
   * checks its topics this way before it answers 200.
   */
  authorise(principal: Principal, topic: string): Promise<{ readonly code: string; readonly message: string } | undefined>;
}

export interface HubSessionHandle {
  /** One text frame from the client (WebSocket): rate-limited, parsed, answered. */
  receive(text: string): void;
  /** Subscribes on the client's behalf (SSE's query string); the answer is a frame like any other. */
  subscribe(topic: string, since?: number): void;
  /** The transport can take more after `send` returned false. */
  drained(): void;
  /** The connection is gone; idempotent. */
  close(): void;
}
