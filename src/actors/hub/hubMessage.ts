/**
 * One change as it travels to real-time clients: published once on the cluster bus, delivered by
 * every instance's hub to the sessions subscribed to any of its topics.
 */
export interface HubMessage {
  /** Every topic the change belongs to, e.g. `order:o-1`, `user:u-7`, `admin:all`. */
  readonly topics: readonly string[];
  /** The user the change belongs to: a session sees it only if it is this user or an admin. */
  readonly ownerId: string;
  /** JSON-serialisable payload: for an order change `{ snapshot, cloudEvent }`. */
  readonly event: unknown;
  /**
   * What the message is about, when it can be announced more than once: for an order change the
   * id of the event that caused it. A change is announced again when its delivery comes back
   * after a crash (its first announcement may have died with the process), so a hub that still
   * has a message of this id in the history of its first topic drops the repeat.
   */
  readonly id?: string;
}

/** A message with the sequence number the bus gave it: the same on every instance. */
export interface SequencedHubMessage extends HubMessage {
  /**
   * Strictly increasing across the whole bus (so also per topic), never reused, not contiguous per
   * topic. What a client resumes from (`since`, `Last-Event-ID`).
   */
  readonly seq: number;
}
