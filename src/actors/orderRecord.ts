import type { Envelope } from '../domain/envelope.js';
import type { OrderChange } from './decideOrder.js';
import type { OrderStatus, OrderView } from './orderView.js';

/** An event kept because it arrived before the `order.created` it depends on. */
export interface StashedEvent {
  readonly envelope: Envelope;
  /** Epoch ms when it was stashed; past `stashMaxAgeMs` it is dead-lettered as an orphan. */
  readonly stashedAt: number;
}

/**
 * An event the order's rules refused, remembered so that a redelivery of it is not decided again
 * against a newer state (where it might be allowed and applied after being dead-lettered).
 */
export interface Refusal {
  readonly eventId: string;
  readonly code: 'orphan' | 'forbidden-transition';
  readonly message: string;
  /**
   * True once its dead letter is durable: a redelivery is then a duplicate. False between the
   * store write that remembers the refusal and the dead letter: a redelivery is refused again with
   * the same reason (dead-lettered once more rather than risk that it was never dead-lettered).
   */
  readonly deadLettered: boolean;
  /** The dead-letter index entry the refused delivery replayed, if it was a replay (see `decideOrder`). */
  readonly replayOf?: string;
}

/** One line of an order's history, newest last. */
export interface HistoryEntry {
  readonly eventId: string;
  readonly type: string;
  readonly status: OrderStatus;
  readonly at: string;
  readonly correlationId: string;
}

/**
 * Everything Orderly stores about one order, written in one atomic compare-and-set. Storing
 * the ids of the applied messages in the same write as the state is what makes a redelivery
 * harmless: the effect and its "seen" mark become durable together or not at all.
 */
export interface OrderRecord {
  readonly orderId: string;
  /** Incremented on every save; the compare-and-set token. 0 means never stored. */
  readonly version: number;
  readonly status: OrderStatus;
  /** Absent while `status` is `new`. */
  readonly view?: OrderView;
  /** Ids of the messages whose effect this record contains, oldest first, at most `maxAppliedIds`. */
  readonly appliedIds: readonly string[];
  /** Events waiting for `order.created`, in arrival order, at most `stashMaxCount`. */
  readonly stash: readonly StashedEvent[];
  /** Recent history, at most `maxHistory` entries. */
  readonly history: readonly HistoryEntry[];
  /**
   * Refused events, oldest first, at most `maxAppliedIds` (the same dedup window as `appliedIds`).
   * Absent in records stored before refusals were remembered: read as none.
   */
  readonly refused?: readonly Refusal[];
  /**
   * The changes of the last commit that applied anything, kept only where the store outlives the
   * process (`OrderActorDeps.keepLastChanges`). A redelivery of one of its events after a crash
   * is a duplicate, but the announcement of its changes to real-time clients may have died with
   * the process: they are announced again from here (the hub drops repeats). Earlier commits need
   * nothing of the kind: an order takes its next event only once the last one is announced.
   */
  readonly lastChanges?: readonly OrderChange[];
}

export function emptyRecord(orderId: string): OrderRecord {
  return { orderId, version: 0, status: 'new', appliedIds: [], stash: [], history: [] };
}
