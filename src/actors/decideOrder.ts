import type { Envelope } from '../domain/envelope.js';
import type { OrderEvent } from '../domain/orderEvents.js';
import { snapshotCursor, type LifecycleCursor } from './lifecycleCursor.js';
import type { HistoryEntry, OrderRecord, Refusal, StashedEvent } from './orderRecord.js';
import type { OrderLimits } from './orderLimits.js';
import type { OrderStatus, OrderView } from './orderView.js';

/** One applied event and what it did; the side effects (hub, outbound status) are made from these. */
export interface OrderChange {
  readonly envelope: Envelope;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  readonly view: OrderView;
}

/** An event that was already acked (stashed) and now has to go to the dead-letter channel. */
export interface ParkedEvent {
  readonly envelope: Envelope;
  readonly code: Refusal['code'];
  readonly message: string;
}

export type Decision =
  /** Already applied, stashed, or refused and dead-lettered: no effect, ack. */
  | { readonly kind: 'duplicate' }
  /**
   * The rules refuse it. Store `record` (the refusal remembered, see `Refusal`) and only then
   * dead-letter the delivery with this reason; once the dead letter is done, store
   * `markDeadLettered`. Without `record` the refusal is stored already and its dead letter not
   * known to be done (a redelivery in that window): dead-letter it again, store nothing.
   */
  | {
      readonly kind: 'rejected';
      readonly code: Refusal['code'];
      readonly message: string;
      readonly record?: OrderRecord;
    }
  /** Store `record`; once stored, ack, emit `changes` and dead-letter `parked`. */
  | {
      readonly kind: 'commit';
      readonly outcome: 'applied' | 'stashed';
      readonly record: OrderRecord;
      readonly changes: readonly OrderChange[];
      readonly parked: readonly ParkedEvent[];
    };

/**
 * Decides what one envelope does to one order. Nothing outside `lifecycle` is touched: the
 * caller stores the returned record (the commit point) and only then acts on the changes, so a
 * crash anywhere before the store write leaves no trace and the redelivery is decided afresh.
 * With a live actor's cursor the actor moves as the decision is made; the caller discards the
 * actor if the record cannot be stored.
 *
 * A refusal is a decision too, stored before its dead letter: decided again after a redelivery,
 * against a newer state, the same event could be applied as well as dead-lettered. `replayOf`
 * is the dead-letter entry the delivery replays (an operator sent it back on purpose, usually
 * after fixing the cause): such a delivery is decided afresh once, while a redelivery of that same
 * replay counts as a redelivery again.
 */
export function decideOrder(
  record: OrderRecord,
  envelope: Envelope,
  limits: OrderLimits,
  now: number,
  lifecycle: LifecycleCursor = snapshotCursor(record.status, record.view),
  replayOf?: string,
): Decision {
  if (record.appliedIds.includes(envelope.id) || record.stash.some((s) => s.envelope.id === envelope.id)) {
    return { kind: 'duplicate' };
  }
  const refusal = record.refused?.find((r) => r.eventId === envelope.id);
  if (refusal && refusal.replayOf === replayOf) {
    return refusal.deadLettered ? { kind: 'duplicate' } : { kind: 'rejected', code: refusal.code, message: refusal.message };
  }
  const fresh = record.stash.filter((s) => now - s.stashedAt <= limits.stashMaxAgeMs);
  const parked: ParkedEvent[] = record.stash
    .filter((s) => now - s.stashedAt > limits.stashMaxAgeMs)
    .map((s) => orphan(s.envelope, `no order.created within ${limits.stashMaxAgeMs} ms`));

  if (record.status === 'new' && envelope.type !== 'order.created') {
    if (fresh.length >= limits.stashMaxCount) {
      return refuse(record, envelope, limits, replayOf, 'orphan', `order ${record.orderId} does not exist and its stash is full (${limits.stashMaxCount})`);
    }
    const stash: StashedEvent[] = [...fresh, { envelope, stashedAt: now }];
    return { kind: 'commit', outcome: 'stashed', record: { ...record, version: record.version + 1, stash }, changes: [], parked };
  }

  const first = step(lifecycle, envelope);
  if (!first.ok) return refuse(record, envelope, limits, replayOf, 'forbidden-transition', first.message);

  // The order now exists: replay what waited for it, in arrival order.
  const changes: OrderChange[] = [first.change];
  const appliedIds = [...record.appliedIds, envelope.id];
  let current = first.change;
  for (const { envelope: waiting } of envelope.type === 'order.created' ? fresh : []) {
    appliedIds.push(waiting.id);
    const next = step(lifecycle, waiting);
    if (next.ok) {
      changes.push(next.change);
      current = next.change;
    } else {
      parked.push({ envelope: waiting, code: 'forbidden-transition', message: next.message });
    }
  }
  const history: HistoryEntry[] = [...record.history, ...changes.map(historyEntry)];
  return {
    kind: 'commit',
    outcome: 'applied',
    record: {
      orderId: record.orderId,
      version: record.version + 1,
      status: current.to,
      view: current.view,
      appliedIds: appliedIds.slice(-limits.maxAppliedIds),
      stash: envelope.type === 'order.created' ? [] : fresh,
      history: history.slice(-limits.maxHistory),
      ...(record.refused ? { refused: record.refused } : {}),
    },
    changes,
    parked,
  };
}

/**
 * The record with the refusal of `eventId` marked dead-lettered (a redelivery is then a
 * duplicate), or undefined when there is nothing to mark: marked already, never refused, or
 * forgotten past the bound.
 */
export function markDeadLettered(record: OrderRecord, eventId: string): OrderRecord | undefined {
  const refused = record.refused ?? [];
  if (!refused.some((r) => r.eventId === eventId && !r.deadLettered)) return undefined;
  return {
    ...record,
    version: record.version + 1,
    refused: refused.map((r) => (r.eventId === eventId ? { ...r, deadLettered: true } : r)),
  };
}

/** Remembers the refusal (replacing an earlier one of the same event), within the dedup window. */
function refuse(record: OrderRecord, envelope: Envelope, limits: OrderLimits, replayOf: string | undefined, code: Refusal['code'], message: string): Decision {
  const refusal: Refusal = { eventId: envelope.id, code, message, deadLettered: false, ...(replayOf === undefined ? {} : { replayOf }) };
  const refused = [...(record.refused ?? []).filter((r) => r.eventId !== envelope.id), refusal].slice(-limits.maxAppliedIds);
  return { kind: 'rejected', code, message, record: { ...record, version: record.version + 1, refused } };
}

type Step = { readonly ok: true; readonly change: OrderChange } | { readonly ok: false; readonly message: string };

function step(lifecycle: LifecycleCursor, envelope: Envelope): Step {
  const event = { type: envelope.type, data: envelope.data } as OrderEvent;
  const from = lifecycle.status;
  const before = lifecycle.view;
  if (!lifecycle.advance(event)) return { ok: false, message: refusal(from, before, event) };
  const view = lifecycle.view;
  if (!view) return { ok: false, message: `${event.type} left order without data` };
  return { ok: true, change: { envelope, from, to: lifecycle.status, view } };
}

function refusal(status: OrderStatus, view: OrderView | undefined, event: OrderEvent): string {
  if (event.type === 'payment.completed' && view && (status === 'pending' || status === 'payment_failed')) {
    return `payment of ${event.data.amountCents} does not match the order total ${view.totalCents}`;
  }
  if (event.type === 'order.created' && status !== 'new') return `order ${event.data.orderId} already exists (${status})`;
  return `${event.type} is not allowed when the order is ${status}`;
}

function orphan(envelope: Envelope, why: string): ParkedEvent {
  return { envelope, code: 'orphan', message: `orphan ${envelope.type} for order ${envelope.key}: ${why}` };
}

function historyEntry(change: OrderChange): HistoryEntry {
  return {
    eventId: change.envelope.id,
    type: change.envelope.type,
    status: change.to,
    at: change.envelope.occurredAt,
    correlationId: change.envelope.correlationId,
  };
}
