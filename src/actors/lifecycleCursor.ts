import type { Actor } from 'xstate';
import type { OrderEvent } from '../domain/orderEvents.js';
import { orderLifecycle } from './orderLifecycle.js';
import { pureTransition } from './pureTransition.js';
import type { OrderStatus, OrderView } from './orderView.js';

/** Where an order stands in its lifecycle, and the one way to move it. */
export interface LifecycleCursor {
  readonly status: OrderStatus;
  readonly view: OrderView | undefined;
  /** Applies `event` if the rules allow it and returns true; returns false and changes nothing otherwise. */
  advance(event: OrderEvent): boolean;
}

/** The lifecycle snapshot an order record describes. */
export function lifecycleSnapshot(status: OrderStatus, view: OrderView | undefined) {
  return orderLifecycle.resolveState({ value: status, context: view ? { view } : {} });
}

const nextLifecycle = pureTransition(orderLifecycle);

/** A cursor over a snapshot value: nothing lives on, used to decide without an actor. */
export function snapshotCursor(status: OrderStatus, view: OrderView | undefined): LifecycleCursor {
  let snapshot = lifecycleSnapshot(status, view);
  return {
    get status() {
      return snapshot.value as OrderStatus;
    },
    get view() {
      return snapshot.context.view;
    },
    advance(event) {
      const next = nextLifecycle(snapshot, event);
      // No enabled transition (none defined, or its guard refused): XState hands back the same snapshot.
      if (next === snapshot) return false;
      snapshot = next;
      return true;
    },
  };
}

/**
 * A cursor over a live order actor: advancing sends the event to it. The actor runs ahead of
 * the store until the decision is saved; if the save fails, the caller must discard the actor
 * so that the order restarts from what the store has.
 */
export function actorCursor(actor: Actor<typeof orderLifecycle>): LifecycleCursor {
  return {
    get status() {
      return actor.getSnapshot().value as OrderStatus;
    },
    get view() {
      return actor.getSnapshot().context.view;
    },
    advance(event) {
      const before = actor.getSnapshot();
      actor.send(event);
      const after = actor.getSnapshot();
      if (after.status === 'error') throw new OrderActorCrashedError(before.context.view?.orderId ?? '?', { cause: after.error });
      return after !== before;
    },
  };
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
