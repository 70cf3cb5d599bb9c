import type { JournalEntry } from './journal.js';
import { applyToModel, newModelOrder, type ModelOrder, type ModelView } from './referenceModel.js';

/** What the oracle reads of one stored order (a subset of Orderly's `OrderRecord`). */
export interface StoredOrderSeen {
  readonly status: string;
  readonly view?: {
    readonly userId: string;
    readonly totalCents: number;
    readonly payment?: { readonly paymentId: string };
    readonly lastPaymentFailure?: { readonly paymentId: string };
    readonly shipment?: { readonly trackingNumber: string };
    readonly cancellation?: { readonly reason: string; readonly refundDue: boolean };
  };
  /** Applied events, oldest first (the store must keep them all: size `ORDERLY_HISTORY_MAX` above the events per order). */
  readonly history: readonly { readonly eventId: string; readonly status: string }[];
  readonly stash: readonly { readonly envelope: { readonly id: string } }[];
}

/** One `order.status-changed` event as received (re-sends included). */
export interface StatusEventSeen {
  readonly id: string;
  readonly orderId: string;
  readonly from: string;
  readonly to: string;
  /** The event that caused the transition. */
  readonly eventId: string;
}

/** One entry of the dead-letter index; `eventId` from the entry or, for undecodable bytes, the `message-id` header. */
export interface DeadLetterSeen {
  readonly eventId?: string;
  readonly reason: string;
  readonly message: string;
}

/** What one real-time client subscribed to `user:<userId>` received, reconnects included. */
export interface ClientSeen {
  readonly userId: string;
  readonly frames: readonly { readonly seq: number; readonly orderId: string; readonly eventId: string; readonly status: string }[];
  /** `reset` frames: the history did not reach back, so changes may have been skipped. */
  readonly resets: number;
}

export interface OracleInput {
  readonly journal: readonly JournalEntry[];
  readonly store: ReadonlyMap<string, StoredOrderSeen>;
  readonly statusEvents: readonly StatusEventSeen[];
  readonly deadLetters: readonly DeadLetterSeen[];
  readonly clients?: readonly ClientSeen[];
  /**
   * `per-order`: the broker keeps one order's events in order across instances (Kafka partitions
   * by key), so the store must have applied exactly what the reference model applies in
   * publish order. `none` (competing consumers): any order of application is allowed, but it must
   * be a valid one — replaying the store's own history through the model must be accepted at every
   * step and end in the stored state — and nothing may be lost or applied twice.
   */
  readonly ordering: 'per-order' | 'none';
  /** Every valid event must be applied (none refused): for loads whose events commute. @default false */
  readonly expectAllApplied?: boolean;
}

export type ViolationKind =
  | 'lost'
  | 'still-stashed'
  | 'applied-twice'
  | 'applied-and-dead-lettered'
  | 'unknown-applied'
  | 'invalid-applied'
  | 'dead-letter-without-reason'
  | 'wrong-dead-letter-reason'
  | 'out-of-order'
  | 'refused-by-model'
  | 'not-applied'
  | 'state-mismatch'
  | 'status-event-missing'
  | 'status-event-twice'
  | 'status-event-wrong'
  | 'status-event-unexpected'
  | 'realtime-missed'
  | 'realtime-duplicate'
  | 'realtime-foreign'
  | 'realtime-out-of-order'
  | 'realtime-reset';

export interface Violation {
  readonly kind: ViolationKind;
  readonly orderId?: string;
  readonly eventId?: string;
  readonly detail: string;
}

export interface OracleFigures {
  readonly confirmed: number;
  readonly distinctEvents: number;
  readonly orders: number;
  readonly applied: number;
  readonly deadLettered: Readonly<Record<string, number>>;
  readonly transitions: number;
  readonly statusEventsReceived: number;
  readonly statusEventsDistinct: number;
  /** Orders whose applied order differs from their publish order. */
  readonly reorderedOrders: number;
  /** Valid events the model applies in publish order that the store refused (reordering on brokers without per-order order). */
  readonly refusedAfterReorder: number;
  readonly clients: number;
  readonly clientChanges: number;
}

export interface Verdict {
  readonly ok: boolean;
  readonly violations: readonly Violation[];
  readonly counts: Readonly<Partial<Record<ViolationKind, number>>>;
  readonly figures: OracleFigures;
  /** One line: PASS or FAIL, the counts, and an example of each kind of violation. */
  readonly line: string;
}

const INVALID_REASONS = new Set(['decode', 'unknown-type', 'unknown-version', 'validation']);
const REFUSAL_REASONS = new Set(['forbidden-transition', 'orphan']);

/** Checks one run. Pure: everything it needs is in `input`. */
export function checkRun(input: OracleInput): Verdict {
  const violations: Violation[] = [];
  const flag = (kind: ViolationKind, detail: string, orderId?: string, eventId?: string) =>
    violations.push({ kind, detail, ...(orderId === undefined ? {} : { orderId }), ...(eventId === undefined ? {} : { eventId }) });

  // The journal per order, in publish order; the first line of an id is the event, later ones re-sends.
  const byOrder = new Map<string, JournalEntry[]>();
  for (const entry of input.journal) {
    const list = byOrder.get(entry.orderId) ?? byOrder.set(entry.orderId, []).get(entry.orderId)!;
    list.push(entry);
  }
  for (const list of byOrder.values()) list.sort((a, b) => a.seq - b.seq);
  const firstOf = new Map<string, JournalEntry>();
  for (const entry of input.journal) if (!firstOf.has(entry.id)) firstOf.set(entry.id, entry);

  const deadLettersOf = new Map<string, DeadLetterSeen[]>();
  const deadLettered: Record<string, number> = {};
  for (const letter of input.deadLetters) {
    deadLettered[letter.reason] = (deadLettered[letter.reason] ?? 0) + 1;
    if (letter.eventId === undefined) continue;
    (deadLettersOf.get(letter.eventId) ?? deadLettersOf.set(letter.eventId, []).get(letter.eventId)!).push(letter);
  }

  let applied = 0;
  let reorderedOrders = 0;
  let refusedAfterReorder = 0;
  const appliedTransitions = new Map<string, { orderId: string; from: string; to: string }>();
  const changesOfOrder = new Map<string, { eventId: string; status: string }[]>();

  for (const [orderId, entries] of byOrder) {
    const stored = input.store.get(orderId);
    const history = stored?.history ?? [];
    changesOfOrder.set(orderId, [...history]);
    applied += history.length;
    const seqOf = new Map<string, number>();
    for (const e of entries) if (!seqOf.has(e.id)) seqOf.set(e.id, e.seq); // a re-send keeps its original's place

    // Accounting: each distinct id applied exactly once or dead-lettered with a reason.
    const timesApplied = new Map<string, number>();
    for (const { eventId } of history) {
      timesApplied.set(eventId, (timesApplied.get(eventId) ?? 0) + 1);
      if (!seqOf.has(eventId)) flag('unknown-applied', `applied ${eventId}, which was never confirmed for this order`, orderId, eventId);
    }
    const stashed = new Set((stored?.stash ?? []).map((s) => s.envelope.id));
    for (const id of new Set(entries.map((e) => e.id))) {
      const first = firstOf.get(id)!;
      const times = timesApplied.get(id) ?? 0;
      const letters = deadLettersOf.get(id) ?? [];
      for (const letter of letters) {
        if (!letter.reason || !letter.message) flag('dead-letter-without-reason', `dead letter of ${id} has no reason or message`, orderId, id);
      }
      if (first.kind === 'invalid') {
        if (times > 0) flag('invalid-applied', `invalid ${first.type} message was applied`, orderId, id);
        else if (letters.length === 0) flag('lost', `invalid ${first.type} message neither applied nor dead-lettered`, orderId, id);
        else if (!letters.every((l) => INVALID_REASONS.has(l.reason))) flag('wrong-dead-letter-reason', `invalid message dead-lettered as ${letters.map((l) => l.reason).join(', ')}`, orderId, id);
        continue;
      }
      if (times > 1) flag('applied-twice', `applied ${times} times`, orderId, id);
      if (times > 0 && letters.length > 0) flag('applied-and-dead-lettered', `applied and dead-lettered (${letters[0]!.reason})`, orderId, id);
      if (times === 0 && letters.length === 0) {
        if (stashed.has(id)) flag('still-stashed', `${first.type} is still waiting in the stash`, orderId, id);
        else flag('lost', `${first.type} (seq ${first.seq}) neither applied nor dead-lettered`, orderId, id);
      }
    }

    // Order of application and final state against the reference model.
    const model = newModelOrder();
    if (input.ordering === 'per-order') {
      for (const entry of entries) if (entry.kind !== 'invalid') applyToModel(model, { id: entry.id, type: entry.type, data: entry.data });
      const want = model.changes.map((c) => c.eventId);
      const got = history.map((h) => h.eventId);
      if (want.join('\n') !== got.join('\n')) {
        const sameSet = want.length === got.length && new Set([...want, ...got]).size === new Set(want).size;
        if (sameSet) flag('out-of-order', `applied ${got.map((id) => seqOf.get(id)).join(',')}; publish order gives ${want.map((id) => seqOf.get(id)).join(',')}`, orderId);
        else {
          for (const id of want) if (!got.includes(id)) flag('not-applied', `the model applies ${firstOf.get(id)?.type} (seq ${seqOf.get(id)}); the store did not`, orderId, id);
          for (const id of got) if (seqOf.has(id) && !want.includes(id)) flag('refused-by-model', `the store applied ${firstOf.get(id)?.type} (seq ${seqOf.get(id)}); the model refuses it`, orderId, id);
        }
      }
      for (const id of model.refused) {
        const letters = deadLettersOf.get(id) ?? [];
        if (letters.length > 0 && !letters.every((l) => REFUSAL_REASONS.has(l.reason))) {
          flag('wrong-dead-letter-reason', `refused by the rules but dead-lettered as ${letters.map((l) => l.reason).join(', ')}`, orderId, id);
        }
      }
    } else {
      // Any order the store chose must be one the rules accept, step by step.
      const inPublishOrder = newModelOrder();
      for (const entry of entries) if (entry.kind !== 'invalid') applyToModel(inPublishOrder, { id: entry.id, type: entry.type, data: entry.data });
      for (const { eventId } of history) {
        const first = firstOf.get(eventId);
        if (!first || first.kind === 'invalid') continue;
        const before = model.changes.length;
        applyToModel(model, { id: eventId, type: first.type, data: first.data });
        if (model.changes.length === before) flag('refused-by-model', `the store applied ${first.type} (seq ${first.seq}) when the model refuses it (model status ${model.status})`, orderId, eventId);
      }
      for (const change of inPublishOrder.changes) if (!timesApplied.has(change.eventId)) refusedAfterReorder++;
    }
    if (input.expectAllApplied) {
      for (const id of new Set(entries.filter((e) => e.kind !== 'invalid').map((e) => e.id))) {
        if (!timesApplied.has(id)) flag('not-applied', `${firstOf.get(id)?.type} was not applied (${(deadLettersOf.get(id) ?? []).map((l) => l.reason).join(', ') || 'no dead letter'})`, orderId, id);
      }
    }
    const publishOrder = history.map((h) => seqOf.get(h.eventId) ?? 0);
    if (publishOrder.some((seq, i) => i > 0 && seq < publishOrder[i - 1]!)) reorderedOrders++;
    compareState(orderId, model, stored, flag);

    // Transitions the store made, for the status events.
    let from = 'new';
    for (const { eventId, status } of history) {
      if (status !== from) appliedTransitions.set(eventId, { orderId, from, to: status });
      from = status;
    }
  }

  checkStatusEvents(input.statusEvents, appliedTransitions, flag);
  const clientChanges = checkClients(input.clients ?? [], byOrder, changesOfOrder, flag);

  const counts: Partial<Record<ViolationKind, number>> = {};
  for (const v of violations) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  const figures: OracleFigures = {
    confirmed: input.journal.length,
    distinctEvents: firstOf.size,
    orders: byOrder.size,
    applied,
    deadLettered,
    transitions: appliedTransitions.size,
    statusEventsReceived: input.statusEvents.length,
    statusEventsDistinct: new Set(input.statusEvents.map((e) => e.id)).size,
    reorderedOrders,
    refusedAfterReorder,
    clients: input.clients?.length ?? 0,
    clientChanges,
  };
  return { ok: violations.length === 0, violations, counts, figures, line: verdictLine(violations, counts, figures) };
}

type Flag = (kind: ViolationKind, detail: string, orderId?: string, eventId?: string) => void;

function compareState(orderId: string, model: ModelOrder, stored: StoredOrderSeen | undefined, flag: Flag): void {
  const want = describe(model.status, model.view);
  const got = stored ? describe(stored.status, stored.view && viewOf(stored.view)) : describe('new', undefined);
  if (want !== got) flag('state-mismatch', `store ${got}; model ${want}`, orderId);
}

function viewOf(view: NonNullable<StoredOrderSeen['view']>): ModelView {
  return {
    userId: view.userId,
    totalCents: view.totalCents,
    ...(view.payment ? { paymentId: view.payment.paymentId } : {}),
    ...(view.lastPaymentFailure ? { lastFailedPaymentId: view.lastPaymentFailure.paymentId } : {}),
    ...(view.shipment ? { trackingNumber: view.shipment.trackingNumber } : {}),
    ...(view.cancellation ? { cancelReason: view.cancellation.reason, refundDue: view.cancellation.refundDue } : {}),
  };
}

function describe(status: string, view: ModelView | undefined): string {
  if (!view) return status;
  const fields = [view.userId, view.totalCents, view.paymentId, view.lastFailedPaymentId, view.trackingNumber, view.cancelReason, view.refundDue];
  return `${status} ${JSON.stringify(fields)}`;
}

function checkStatusEvents(events: readonly StatusEventSeen[], transitions: ReadonlyMap<string, { orderId: string; from: string; to: string }>, flag: Flag): void {
  // Re-sends keep their id: one transition is one distinct id, however often it arrived.
  const idsByCause = new Map<string, Map<string, StatusEventSeen>>();
  for (const event of events) {
    const ids = idsByCause.get(event.eventId) ?? idsByCause.set(event.eventId, new Map()).get(event.eventId)!;
    ids.set(event.id, event);
  }
  for (const [eventId, t] of transitions) {
    const ids = idsByCause.get(eventId);
    if (!ids) {
      flag('status-event-missing', `no order.status-changed for ${t.from} → ${t.to}`, t.orderId, eventId);
      continue;
    }
    if (ids.size > 1) flag('status-event-twice', `${ids.size} distinct status events for one transition ${t.from} → ${t.to}`, t.orderId, eventId);
    for (const event of ids.values()) {
      if (event.from !== t.from || event.to !== t.to || event.orderId !== t.orderId) {
        flag('status-event-wrong', `status event says ${event.orderId} ${event.from} → ${event.to}; the store made ${t.from} → ${t.to}`, t.orderId, eventId);
      }
    }
  }
  for (const [eventId, ids] of idsByCause) {
    if (transitions.has(eventId)) continue;
    const event = [...ids.values()][0]!;
    flag('status-event-unexpected', `status event ${event.from} → ${event.to} for a transition the store did not make`, event.orderId, eventId);
  }
}

function checkClients(
  clients: readonly ClientSeen[],
  byOrder: ReadonlyMap<string, readonly JournalEntry[]>,
  changesOfOrder: ReadonlyMap<string, readonly { eventId: string; status: string }[]>,
  flag: Flag,
): number {
  const ordersOf = new Map<string, string[]>();
  for (const [orderId, entries] of byOrder) {
    const userId = entries[0]!.userId;
    (ordersOf.get(userId) ?? ordersOf.set(userId, []).get(userId)!).push(orderId);
  }
  let total = 0;
  for (const client of clients) {
    const mine = new Set(ordersOf.get(client.userId) ?? []);
    const seen = new Map<string, number>();
    for (const frame of client.frames) {
      if (!mine.has(frame.orderId)) flag('realtime-foreign', `user ${client.userId} was sent a change of ${frame.orderId}`, frame.orderId, frame.eventId);
      const key = `${frame.eventId} ${frame.status}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    client.frames.forEach((frame, i) => {
      if (i > 0 && frame.seq <= client.frames[i - 1]!.seq) flag('realtime-out-of-order', `seq ${frame.seq} after ${client.frames[i - 1]!.seq}`, frame.orderId, frame.eventId);
    });
    for (const [key, times] of seen) if (times > 1) flag('realtime-duplicate', `user ${client.userId} got ${key} ${times} times`, undefined, key.split(' ')[0]);
    if (client.resets > 0) flag('realtime-reset', `user ${client.userId} got ${client.resets} reset frames`);
    for (const orderId of mine) {
      for (const change of changesOfOrder.get(orderId) ?? []) {
        total++;
        if (!seen.has(`${change.eventId} ${change.status}`)) flag('realtime-missed', `user ${client.userId} never saw ${orderId} → ${change.status}`, orderId, change.eventId);
      }
    }
  }
  return total;
}

function verdictLine(violations: readonly Violation[], counts: Partial<Record<ViolationKind, number>>, f: OracleFigures): string {
  const dead = Object.values(f.deadLettered).reduce((a, b) => a + b, 0);
  const summary =
    `${f.confirmed} confirmed publishes (${f.distinctEvents} distinct events) over ${f.orders} orders: ${f.applied} applied, ${dead} dead-lettered; ` +
    `${f.transitions} transitions, ${f.statusEventsDistinct} distinct status events (${f.statusEventsReceived} received); ` +
    `${f.reorderedOrders} orders applied out of publish order, ${f.refusedAfterReorder} events refused after reordering; ` +
    `${f.clients} real-time clients, ${f.clientChanges} changes to see`;
  if (violations.length === 0) return `oracle: PASS ${summary}`;
  const examples = Object.entries(counts).map(([kind, n]) => {
    const v = violations.find((x) => x.kind === kind)!;
    return `${kind} ×${n} (e.g. ${v.orderId ?? ''}${v.eventId ? ` ${v.eventId}` : ''}: ${v.detail})`;
  });
  return `oracle: FAIL ${violations.length} violations: ${examples.join('; ')} — ${summary}`;
}

