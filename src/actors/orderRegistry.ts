import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import type { Envelope } from '../domain/envelope.js';
import { orderActor, type ApplyResult, type OrderActorDeps } from './orderActor.js';

export interface OrderRegistryOptions {
  readonly deps: OrderActorDeps;
  /** Most order actors alive at once; past it the least recently used idle one passivates. @default 10_000 */
  readonly maxLiveOrders?: number;
  /** An order actor unused this long passivates (its record stays in the store). @default 60_000 */
  readonly idleMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** The order actor logic; tests swap parts of it with `orderActor.provide(...)`. @default orderActor */
  readonly logic?: typeof orderActor;
  /** Inspection observer given to every order actor (the Stately inspector, the dashboard). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

interface Entry {
  readonly actor: Actor<typeof orderActor>;
  lastUsed: number;
  /** The caller waiting for this actor's answer; set while it works. */
  waiting?: { resolve(result: ApplyResult): void; reject(error: unknown): void };
}

/** Counters for metrics and tests. */
export interface RegistryStats {
  readonly live: number;
  readonly spawned: number;
  readonly passivated: number;
  readonly crashed: number;
}

/**
 * Spawns one order actor per order on demand, with the id `order:<id>`, and keeps their
 * number bounded: an actor
 * idle for `idleMs` passivates, and past `maxLiveOrders` the least recently used idle one does.
 * Passivating loses nothing: every state an actor holds is already in the store, and the next
 * event for that order rehydrates it from there.
 *
 * A crashed order actor is dropped; the caller's promise rejects with `OrderActorCrashedError`
 * and the retry that follows spawns a fresh actor from the stored record — the minimal
 * supervision the pipeline needs. Other orders never notice.
 *
 * Each order actor is a root actor of its own. XState keeps a machine's spawned children in an
 * immutable map that is copied on every spawn and stop, which costs O(live actors) per event
 * at this scale; a plain Map here keeps spawning and passivation O(1).
 */
export class OrderRegistry {
  readonly #deps: OrderActorDeps;
  readonly #maxLive: number;
  readonly #idleMs: number;
  readonly #clock: Clock;
  readonly #logic: typeof orderActor;
  /** Insertion order is recency order: a touched entry is re-inserted at the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #inspect: OrderRegistryOptions['inspect'];
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
    this.#logic = options.logic ?? orderActor;
    if (!Number.isInteger(this.#maxLive) || this.#maxLive < 1) throw new RangeError('maxLiveOrders must be a positive integer');
    if (!(this.#idleMs > 0)) throw new RangeError('idleMs must be positive');
    this.#inspect = options.inspect;
    this.#scheduleSweep();
  }

  /** Applies one envelope to its order (`envelope.key`); resolves once the effect is stored. */
  apply(envelope: Envelope): Promise<ApplyResult> {
    if (this.#stopped) return Promise.reject(new RegistryStoppedError());
    const entry = this.#touch(envelope.key);
    return new Promise<ApplyResult>((resolve, reject) => {
      entry.waiting = {
        resolve: (result) => {
          entry.waiting = undefined;
          resolve(result);
        },
        reject: (error) => {
          entry.waiting = undefined;
          reject(error);
        },
      };
      entry.actor.send({ type: 'apply', envelope, reply: entry.waiting });
    });
  }

  get stats(): RegistryStats {
    return { live: this.#entries.size, spawned: this.#spawned, passivated: this.#passivated, crashed: this.#crashed };
  }

  /** Passivates every actor idle for `idleMs`; returns how many. Runs on a timer too. */
  passivateIdle(): number {
    const cutoff = this.#clock.now() - this.#idleMs;
    let count = 0;
    for (const [orderId, entry] of this.#entries) {
      if (entry.lastUsed > cutoff) break; // recency order: everything after is fresher
      if (entry.waiting) continue;
      this.#passivate(orderId, entry);
      count++;
    }
    return count;
  }

  /**
   * Stops every order actor; a caller still waiting gets `RegistryStoppedError` (its delivery is
   * unsettled and will be redelivered). Idempotent. Drain the pipeline first for a clean stop.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#sweep !== undefined) this.#clock.clearTimeout(this.#sweep);
    for (const [orderId, entry] of this.#entries) {
      entry.waiting?.reject(new RegistryStoppedError());
      this.#passivate(orderId, entry);
    }
  }

  #touch(orderId: string): Entry {
    const now = this.#clock.now();
    const existing = this.#entries.get(orderId);
    if (existing) {
      this.#entries.delete(orderId);
      this.#entries.set(orderId, existing);
      existing.lastUsed = now;
      return existing;
    }
    if (this.#entries.size >= this.#maxLive) this.#evictLeastRecentlyUsed();
    const entry = this.#spawn(orderId, now);
    this.#entries.set(orderId, entry);
    return entry;
  }

  #spawn(orderId: string, now: number): Entry {
    const actor = createActor(this.#logic, {
      id: `order:${orderId}`,
      systemId: `order:${orderId}`,
      input: { orderId, deps: this.#deps },
      ...(this.#inspect ? { inspect: this.#inspect } : {}),
    });
    const entry: Entry = { actor, lastUsed: now };
    actor.subscribe({ error: (error) => this.#onCrash(orderId, entry, error) });
    actor.start();
    this.#spawned++;
    return entry;
  }

  #onCrash(orderId: string, entry: Entry, error: unknown): void {
    this.#crashed++;
    if (this.#entries.get(orderId) === entry) this.#entries.delete(orderId);
    entry.waiting?.reject(new OrderActorCrashedError(orderId, { cause: error }));
  }

  #evictLeastRecentlyUsed(): void {
    for (const [orderId, entry] of this.#entries) {
      if (entry.waiting) continue;
      this.#passivate(orderId, entry);
      return;
    }
    // Every live actor is busy: go over the cap for now rather than stall. The pipeline's
    // credit bounds how many can be busy, and config keeps credit below the cap.
  }

  #passivate(orderId: string, entry: Entry): void {
    this.#entries.delete(orderId);
    entry.actor.stop();
    this.#passivated++;
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

/** An order actor failed while handling an event; the event is retried on a fresh actor. */
export class OrderActorCrashedError extends Error {
  override readonly name = 'OrderActorCrashedError';
  constructor(
    readonly orderId: string,
    options: { cause: unknown },
  ) {
    super(`order actor ${orderId} crashed`, options);
  }
}

/** The registry has stopped (shutdown); the event was not applied and will be redelivered. */
export class RegistryStoppedError extends Error {
  override readonly name = 'RegistryStoppedError';
  constructor() {
    super('order registry is stopped');
  }
}
