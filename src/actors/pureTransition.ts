import { createActor, type ActorScope, type AnyStateMachine, type EventFromLogic, type SnapshotFrom } from 'xstate';

/**
 * `transition(machine, snapshot, event)` for a machine whose actions are all `assign`s, computed
 * with one actor scope made once instead of one per call. XState's own `transition()` builds
 * a throw-away actor (and actor system) on every call to get a scope; for the order lifecycle
 * that was two thirds of the cost of deciding an event (BENCHMARKS.md).
 *
 * Pure as long as the machine has no side-effecting actions and spawns nothing: `assign` is
 * resolved by XState itself, so the no-op executor below never drops real work. The order
 * lifecycle is written to stay that way; its unit tests would catch a change in outcome.
 */
export function pureTransition<M extends AnyStateMachine>(machine: M): (snapshot: SnapshotFrom<M>, event: EventFromLogic<M>) => SnapshotFrom<M> {
  const inert = createActor(machine); // never started: only its identity and system are used
  const scope = {
    self: inert,
    id: inert.id,
    sessionId: inert.sessionId,
    system: inert.system,
    logger: () => undefined,
    defer: () => undefined,
    emit: () => undefined,
    stopChild: () => undefined,
    actionExecutor: () => undefined,
  } as unknown as ActorScope<SnapshotFrom<M>, EventFromLogic<M>>;
  return (snapshot, event) => machine.transition(snapshot, event, scope) as SnapshotFrom<M>;
}
