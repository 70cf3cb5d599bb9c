import type { Envelope } from '../domain/envelope.js';
import type { OrderEvent } from '../domain/orderEvents.js';
import { snapshotCursor, type LifecycleCursor } from './lifecycleCursor.js';
import type { HistoryEntry, OrderRecord, StashedEvent } from './orderRecord.js';
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
  readonly code: 'orphan' | 'forbidden-transition';
  readonly message: string;
}

export type Decision =
  /** Already applied or already stashed: no effect, ack. */
  | { readonly kind: 'duplicate' }
  /** The rules refuse it: nothing is stored, the delivery is dead-lettered with this reason. */
  | { readonly kind: 'rejected'; readonly code: 'orphan' | 'forbidden-transition'; readonly message: string }
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
 */
export function decideOrder(
  record: OrderRecord,
  envelope: Envelope,
  limits: OrderLimits,
  now: number,
  lifecycle: LifecycleCursor = snapshotCursor(record.status, record.view),
): Decision {
  if (record.appliedIds.includes(envelope.id) || record.stash.some((s) => s.envelope.id === envelope.id)) {
    return { kind: 'duplicate' };
  }
  const fresh = record.stash.filter((s) => now - s.stashedAt <= limits.stashMaxAgeMs);
  const parked: ParkedEvent[] = record.stash
    .filter((s) => now - s.stashedAt > limits.stashMaxAgeMs)
    .map((s) => orphan(s.envelope, `no order.created within ${limits.stashMaxAgeMs} ms`));

  if (record.status === 'new' && envelope.type !== 'order.created') {
    if (fresh.length >= limits.stashMaxCount) {
      return { kind: 'rejected', code: 'orphan', message: `order ${record.orderId} does not exist and its stash is full (${limits.stashMaxCount})` };
    }
    const stash: StashedEvent[] = [...fresh, { envelope, stashedAt: now }];
    return { kind: 'commit', outcome: 'stashed', record: { ...record, version: record.version + 1, stash }, changes: [], parked };
  }

  const first = step(lifecycle, envelope);
  if (!first.ok) return { kind: 'rejected', code: 'forbidden-transition', message: first.message };

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
    },
    changes,
    parked,
  };
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
