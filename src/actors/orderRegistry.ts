import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import type { Envelope } from '../domain/envelope.js';
import { decideOrder, markDeadLettered, type OrderChange, type ParkedEvent } from './decideOrder.js';
import { actorCursor, lifecycleSnapshot, OrderActorCrashedError } from './lifecycleCursor.js';
import { orderLifecycle } from './orderLifecycle.js';
import { emptyRecord, type OrderRecord } from './orderRecord.js';
import type { OrderLimits } from './orderLimits.js';
import { VersionConflictError, type OrderStore } from './orderStore.js';
import { statusChangedEntries, type StatusEventOptions } from './outbox/statusChangedEntries.js';

/** What the order actors need from the outside, handed in by src/app. */
export interface OrderActorDeps {
  readonly store: OrderStore;
  readonly limits: OrderLimits;
  readonly clock: Clock;
  /**
   * Dead-letters events that were acked earlier (stashed) and can no longer be applied. It is
   * called before the store write that forgets them, so they are never lost; a crash in between
   * parks them twice, never zero times.
   */
  readonly park: (parked: readonly ParkedEvent[]) => Promise<void>;
  /**
   * Outbound `order.status-changed` events: when given, every status transition is saved with an
   * outbox entry in the same store write as the record (a relay publishes them). Absent: none.
   */
  readonly statusEvents?: StatusEventOptions;
  /**
   * Store each commit's changes with the record (`OrderRecord.lastChanges`), so that a
   * redelivery after a crash can announce them again. Worth it only with a store that outlives
   * the process. @default false
   */
  readonly keepLastChanges?: boolean;
}

/** What applying one envelope did, once its effect is durable. */
export type ApplyResult =
  | { readonly kind: 'applied'; readonly changes: readonly OrderChange[] }
  | { readonly kind: 'stashed' }
  /**
   * Applied before. `changes` are those of the order's last commit when this envelope was one of
   * its events: their announcement may have died with an earlier process, so announce them again.
   */
  | { readonly kind: 'duplicate'; readonly changes?: readonly OrderChange[] }
  /** Refused by the rules, and the refusal stored: dead-letter it, then call `deadLettered`. */
  | { readonly kind: 'rejected'; readonly code: 'orphan' | 'forbidden-transition'; readonly message: string };

/** How one envelope reached `apply`. */
export interface ApplyOptions {
  /** The dead-letter index entry this delivery replays (its `x-dead-letter-replayed-from`), if it is a replay. */
  readonly replayOf?: string;
}

export interface OrderRegistryOptions {
  readonly deps: OrderActorDeps;
  /** Most order actors alive at once; past it the least recently used idle one passivates. @default 10_000 */
  readonly maxLiveOrders?: number;
  /** An order actor unused this long passivates (its record stays in the store). @default 60_000 */
  readonly idleMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** The order actor's logic; tests swap parts of it with `orderLifecycle.provide(...)`. @default orderLifecycle */
  readonly logic?: typeof orderLifecycle;
  /** Inspection observer given to every order actor (the Stately inspector, the dashboard). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

interface Entry {
  /** The order actor; absent until the record is loaded. */
  actor?: Actor<typeof orderLifecycle>;
  /** The stored record the actor stands for: what the next compare-and-set expects. */
  record?: OrderRecord;
  busy: boolean;
  lastUsed: number;
}

/** Counters for metrics and tests. */
export interface RegistryStats {
  readonly live: number;
  readonly spawned: number;
  readonly passivated: number;
  readonly crashed: number;
}

/**
 * One XState actor per order — the order lifecycle machine, with the id `order:<id>` — spawned on
 * demand from the stored record, and the commit protocol around it: decide with the actor,
 * store the record (compare-and-set on its version), and only then answer. The answer is what
 * lets the pipeline ack.
 *
 * Bounded: an actor idle for `idleMs` passivates, and past `maxLiveOrders` the least recently
 * used idle one does. Passivating loses nothing, since an actor never holds a state the store
 * does not have once `apply` has answered; the next event rehydrates it.
 *
 * Supervision, one-for-one over the order actors: anything that goes wrong during `apply` — the
 * store fails, the save conflicts, the actor crashes — discards that order's actor, because it may
 * have moved ahead of the store. The caller's retry restarts it from its last stored snapshot
 * (a restart at once would only repeat the failure; the retry's backoff spaces them). Other
 * orders never notice.
 */
export class OrderRegistry {
  readonly #deps: OrderActorDeps;
  readonly #maxLive: number;
  readonly #idleMs: number;
  readonly #clock: Clock;
  readonly #logic: typeof orderLifecycle;
  readonly #inspect: OrderRegistryOptions['inspect'];
  /** Insertion order is recency order: a touched entry is re-inserted at the end. */
  readonly #entries = new Map<string, Entry>();
  #sweep: TimerHandle | undefined;
  #stopped = false;
  #spawned = 0;
  #passivated = 0;
  #crashed = 0;

  constructor(options: OrderRegistryOptions) {
    this.#deps = options.deps;
    this.#maxLive = options.maxLiveOrders ?? 10_000;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#logic = options.logic ?? orderLifecycle;
    this.#inspect = options.inspect;
    if (!Number.isInteger(this.#maxLive) || this.#maxLive < 1) throw new RangeError('maxLiveOrders must be a positive integer');
    if (!(this.#idleMs > 0)) throw new RangeError('idleMs must be positive');
    this.#scheduleSweep();
  }

  /**
   * Applies one envelope to its order (`envelope.key`); resolves once the effect is stored.
   * One order takes one envelope at a time: a second while the first is under way is refused
   * with `OrderActorBusyError` (the pipeline never does that), never queued or dropped.
   */
  apply(envelope: Envelope, options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.#exclusive(envelope.key, (entry) => this.#commit(envelope.key, entry, envelope, options.replayOf));
  }

  /**
   * Records that the refused `envelope` (answered `rejected`) is dead-lettered: from now on a
   * redelivery of it is a duplicate. Call it only once the dead letter is durable, and before the
   * order's next envelope. If it fails or never comes, nothing is lost: a redelivery is refused and
   * dead-lettered once more, never applied. A no-op when there is nothing to mark.
   */
  deadLettered(envelope: Envelope): Promise<void> {
    return this.#exclusive(envelope.key, async (entry) => {
      // A concurrent writer (another process) may have saved the order meanwhile: the mark
      // does not depend on the order's state, so it is put on the newest record.
      for (let tries = 1; ; tries++) {
        const record = await this.#load(envelope.key, entry);
        const marked = markDeadLettered(record, envelope.id);
        if (!marked) return;
        try {
          await this.#deps.store.save(marked, record.version);
          entry.record = marked;
          return;
        } catch (error) {
          if (!(error instanceof VersionConflictError) || tries >= 3) throw error;
          this.#reset(entry); // reload the newer record
        }
      }
    });
  }

  async #exclusive<T>(orderId: string, work: (entry: Entry) => Promise<T>): Promise<T> {
    if (this.#stopped) throw new RegistryStoppedError();
    const entry = this.#touch(orderId);
    if (entry.busy) throw new OrderActorBusyError(orderId);
    entry.busy = true;
    try {
      return await work(entry);
    } catch (error) {
      if (error instanceof OrderActorCrashedError) this.#crashed++;
      this.#discard(orderId, entry); // it may be ahead of the store
      throw error;
    } finally {
      entry.busy = false;
      entry.lastUsed = this.#clock.now();
    }
  }

  get stats(): RegistryStats {
    return { live: this.#entries.size, spawned: this.#spawned, passivated: this.#passivated, crashed: this.#crashed };
  }

  /**
   * The live order actors counted by the status of the record each stands for (the dashboard's
   * "orders by status"); `loading` for an entry whose record is still being read. The counts add
   * up to `stats.live`. One pass over at most `maxLiveOrders` entries, nothing allocated per entry.
   */
  liveByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.#entries.values()) {
      const status = entry.record?.status ?? 'loading';
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /** Passivates every actor idle for `idleMs`; returns how many. Runs on a timer too. */
  passivateIdle(): number {
    const cutoff = this.#clock.now() - this.#idleMs;
    let count = 0;
    for (const [orderId, entry] of this.#entries) {
      if (entry.lastUsed > cutoff) break; // recency order: everything after is fresher
      if (entry.busy) continue;
      this.#passivate(orderId, entry);
      count++;
    }
    return count;
  }

  /**
   * The registry's incarnation in a supervision tree; the returned stop passivates every idle
   * order actor, so a restarted registry starts empty and each order comes back from its stored
   * snapshot at its next event. Order actors stay root actors of their own: XState lets only a
   * parent's own actions stop its children, and the registry must stop them from outside (idle,
   * LRU, a failed apply). They share the tree's inspector through `inspect` instead.
   */
  run(): () => void {
    return () => {
      for (const [orderId, entry] of this.#entries) if (!entry.busy) this.#passivate(orderId, entry);
    };
  }

  /**
   * Stops every order actor. An `apply` still under way fails with `RegistryStoppedError` unless
   * its effect was already stored; its delivery stays unsettled and is redelivered. Idempotent.
   * Drain the pipeline first for a clean stop.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#sweep !== undefined) this.#clock.clearTimeout(this.#sweep);
    for (const [orderId, entry] of this.#entries) this.#passivate(orderId, entry);
  }

  /** The record the entry's actor stands for, loaded (and the actor spawned) if need be. */
  async #load(orderId: string, entry: Entry): Promise<OrderRecord> {
    if (!entry.actor || !entry.record) {
      const record = (await this.#deps.store.load(orderId)) ?? emptyRecord(orderId);
      if (this.#stopped) throw new RegistryStoppedError();
      entry.record = record;
      entry.actor = this.#spawn(orderId, record);
    }
    return entry.record;
  }

  async #commit(orderId: string, entry: Entry, envelope: Envelope, replayOf: string | undefined): Promise<ApplyResult> {
    const { store, limits, park, statusEvents } = this.#deps;
    const before = await this.#load(orderId, entry);
    const now = this.#clock.now();
    const decision = decideOrder(before, envelope, limits, now, actorCursor(entry.actor!), replayOf);
    if (decision.kind === 'duplicate') {
      const last = before.lastChanges;
      return last?.some((change) => change.envelope.id === envelope.id) ? { kind: 'duplicate', changes: last } : decision;
    }
    if (decision.kind === 'rejected') {
      // The refusal is stored before it is answered, hence before its dead letter: a redelivery
      // from now on is refused again with the same reason (never decided against a newer state),
      // so a crash before the dead letter loses nothing; the worst case is a second dead letter.
      if (decision.record) {
        await store.save(decision.record, before.version);
        entry.record = decision.record;
      }
      return { kind: 'rejected', code: decision.code, message: decision.message };
    }
    // The event ids are made here, once per decision, and stored: every re-send carries the same.
    const outbox = statusEvents ? statusChangedEntries(decision.changes, now, statusEvents) : [];
    if (decision.parked.length > 0) await park(decision.parked);
    const record = this.#deps.keepLastChanges && decision.changes.length > 0 ? { ...decision.record, lastChanges: decision.changes } : decision.record;
    await store.save(record, before.version, outbox);
    entry.record = record;
    return decision.outcome === 'stashed' ? { kind: 'stashed' } : { kind: 'applied', changes: decision.changes };
  }

  #touch(orderId: string): Entry {
    const existing = this.#entries.get(orderId);
    if (existing) {
      this.#entries.delete(orderId);
      this.#entries.set(orderId, existing);
      return existing;
    }
    if (this.#entries.size >= this.#maxLive) this.#evictLeastRecentlyUsed();
    const entry: Entry = { busy: false, lastUsed: this.#clock.now() };
    this.#entries.set(orderId, entry);
    return entry;
  }

  #spawn(orderId: string, record: OrderRecord): Actor<typeof orderLifecycle> {
    const actor = createActor(this.#logic, {
      id: `order:${orderId}`,
      systemId: `order:${orderId}`,
      snapshot: lifecycleSnapshot(record.status, record.view),
      ...(this.#inspect ? { inspect: this.#inspect } : {}),
    });
    // A crash is seen through the actor's snapshot during `apply`; this observer only keeps
    // XState from rethrowing it as an unhandled error that would take the process down.
    actor.subscribe({ error: () => undefined });
    actor.start();
    this.#spawned++;
    return actor;
  }

  #evictLeastRecentlyUsed(): void {
    for (const [orderId, entry] of this.#entries) {
      if (entry.busy) continue;
      this.#passivate(orderId, entry);
      return;
    }
    // Every live actor is busy: go over the cap for now rather than stall. The pipeline's
    // credit bounds how many can be busy, and the config keeps credit below the cap.
  }

  #passivate(orderId: string, entry: Entry): void {
    this.#discard(orderId, entry);
    this.#passivated++;
  }

  #discard(orderId: string, entry: Entry): void {
    if (this.#entries.get(orderId) === entry) this.#entries.delete(orderId);
    this.#reset(entry);
  }

  #reset(entry: Entry): void {
    entry.actor?.stop();
    entry.actor = undefined;
    entry.record = undefined;
  }

  #scheduleSweep(): void {
    const every = Math.max(50, Math.floor(this.#idleMs / 2));
    this.#sweep = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.passivateIdle();
      this.#scheduleSweep();
    }, every);
  }
}

/** An order received a second `apply` while the first was still under way. */
export class OrderActorBusyError extends Error {
  override readonly name = 'OrderActorBusyError';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is already applying an event`);
  }
}

/** The registry has stopped (shutdown); the event was not applied and will be redelivered. */
export class RegistryStoppedError extends Error {
  override readonly name = 'RegistryStoppedError';
  constructor() {
    super('order registry is stopped');
  }
}

export { OrderActorCrashedError };
