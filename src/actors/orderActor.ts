import { assign, setup } from 'xstate';
import type { Clock } from '../domain/clock.js';
import type { Envelope } from '../domain/envelope.js';
import { decideOrder, type OrderChange, type ParkedEvent } from './decideOrder.js';
import { emptyRecord, type OrderRecord } from './orderRecord.js';
import type { OrderLimits } from './orderLimits.js';
import type { OrderStore } from './orderStore.js';

/** What the order actor needs from the outside, handed in by src/app. */
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
}

/** What applying one envelope did, once its effect is durable. */
export type ApplyResult =
  | { readonly kind: 'applied'; readonly changes: readonly OrderChange[] }
  | { readonly kind: 'stashed' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly code: 'orphan' | 'forbidden-transition'; readonly message: string };

/** How the actor answers the one who sent `apply`. */
export interface Reply {
  resolve(result: ApplyResult): void;
  reject(error: unknown): void;
}

export type OrderActorEvent = { readonly type: 'apply'; readonly envelope: Envelope; readonly reply: Reply };

interface OrderActorContext {
  readonly orderId: string;
  readonly deps: OrderActorDeps;
  /** The last record this actor stored or loaded; undefined means "reload before deciding". */
  readonly record?: OrderRecord;
  readonly pending?: OrderActorEvent;
}

interface CommitInput {
  readonly orderId: string;
  readonly deps: OrderActorDeps;
  readonly record?: OrderRecord;
  readonly envelope: Envelope;
}

interface Committed {
  readonly record: OrderRecord;
  readonly result: ApplyResult;
}

/** Decide, then make the decision durable. The store write is the commit point. */
async function commit(input: CommitInput): Promise<Committed> {
  const { store, limits, clock, park } = input.deps;
  const record = input.record ?? (await store.load(input.orderId)) ?? emptyRecord(input.orderId);
  const decision = decideOrder(record, input.envelope, limits, clock.now());
  if (decision.kind === 'duplicate' || decision.kind === 'rejected') return { record, result: decision };
  if (decision.parked.length > 0) await park(decision.parked);
  await store.save(decision.record, record.version);
  const result: ApplyResult = decision.outcome === 'stashed' ? { kind: 'stashed' } : { kind: 'applied', changes: decision.changes };
  return { record: decision.record, result };
}

/** Events the actor sends itself when its commit settles. */
type CommitEvent =
  | { readonly type: 'order.committed'; readonly committed: Committed }
  | { readonly type: 'order.commitFailed'; readonly error: unknown };

/**
 * One order, alive while it is busy or recently used. It handles one `apply` at a time (the
 * pipeline already serialises an order's deliveries; a second one while working is refused,
 * never silently dropped) and keeps its record in memory between events, so a warm order
 * costs one store write per event and no read. A failed commit forgets the cached record:
 * the next attempt starts again from what the store has, exactly like a restarted actor.
 *
 * The commit runs as a promise started on entry to `working` that reports back to the actor
 * itself, rather than as an invoked `fromPromise` child: invoking creates a child actor per
 * event, which measured as the largest single cost of an event (see BENCHMARKS.md).
 */
export const orderActor = setup({
  types: {
    context: {} as OrderActorContext,
    events: {} as OrderActorEvent | CommitEvent,
    input: {} as { orderId: string; deps: OrderActorDeps },
  },
  actions: {
    startCommit: ({ context, self }) => {
      const envelope = context.pending!.envelope;
      commit({ orderId: context.orderId, deps: context.deps, record: context.record, envelope }).then(
        (committed) => self.send({ type: 'order.committed', committed }),
        (error: unknown) => self.send({ type: 'order.commitFailed', error }),
      );
    },
    answer: ({ context }, params: { result: ApplyResult }) => context.pending?.reply.resolve(params.result),
    fail: ({ context }, params: { error: unknown }) => context.pending?.reply.reject(params.error),
    refuseBusy: (_, params: { event: OrderActorEvent }) =>
      params.event.reply.reject(new OrderActorBusyError(params.event.envelope.key)),
  },
}).createMachine({
  id: 'order',
  context: ({ input }) => ({ orderId: input.orderId, deps: input.deps }),
  initial: 'idle',
  states: {
    idle: {
      on: { apply: { target: 'working', actions: assign({ pending: ({ event }) => event }) } },
    },
    working: {
      entry: 'startCommit',
      on: {
        'order.committed': {
          target: 'idle',
          actions: [
            { type: 'answer', params: ({ event }) => ({ result: event.committed.result }) },
            assign({ record: ({ event }) => event.committed.record, pending: undefined }),
          ],
        },
        'order.commitFailed': {
          target: 'idle',
          actions: [
            { type: 'fail', params: ({ event }) => ({ error: event.error }) },
            assign({ record: undefined, pending: undefined }),
          ],
        },
        apply: { actions: { type: 'refuseBusy', params: ({ event }) => ({ event }) } },
      },
    },
  },
});

/** An order received a second `apply` while the first was still being committed. */
export class OrderActorBusyError extends Error {
  override readonly name = 'OrderActorBusyError';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is already applying an event`);
  }
}
