import type { Observable } from 'rxjs';
import type { HubMessage, SequencedHubMessage } from './hubMessage.js';

/**
 * How a change processed by one Orderly instance reaches the real-time clients of every
 * instance. The bus, not the publisher, gives each message its sequence number, so that all
 * instances agree on it and a client may resume on any of them. Delivery is at-most-once (a
 * client that missed something resumes from the hub's history or gets a snapshot).
 * Implementations: in-process (embedded default), Redis pub/sub, NATS.
 */
export interface ClusterBus {
  /** Resolves with the sequence number once the bus has the message; it then reaches every instance, this one included. */
  publish(message: HubMessage): Promise<number>;
  /**
   * Every instance's messages in sequence order, from the moment of subscription. Hot: each
   * subscriber sees what arrives while it is subscribed. Errors if the bus connection is lost
   * for good; completes on `close()`.
   */
  readonly messages$: Observable<SequencedHubMessage>;
  /** Stops everything; idempotent. */
  close(): Promise<void>;
}
