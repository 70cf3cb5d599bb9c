import type { EventObject } from 'xstate';
import type { ChildExit } from './planChildExit.js';

/** A child's backoff timer fired. Internal: sent by the supervisor to itself through the system scheduler. */
export const RESTART = '@supervisor.restart';
/** A restart has been counted for `periodMs`. Internal, like `RESTART`. */
export const FORGET = '@supervisor.forget';

export type SupervisorTimerEvent = { readonly type: typeof RESTART; readonly childId: string } | { readonly type: typeof FORGET; readonly childId: string };

const ERROR_PREFIX = 'xstate.error.actor.';
const DONE_PREFIX = 'xstate.done.actor.';

/**
 * The exit an XState child reports to its parent (`xstate.error.actor.<id>` carrying `error`,
 * `xstate.done.actor.<id>` carrying `output`), as the actor id of the incarnation and how it
 * ended; undefined for any other event.
 */
export function childExitOf(event: EventObject): { readonly actorId: string; readonly exit: Omit<ChildExit, 'childId'> } | undefined {
  const carried = (event as { actorId?: unknown }).actorId;
  if (event.type.startsWith(ERROR_PREFIX)) {
    const actorId = typeof carried === 'string' ? carried : event.type.slice(ERROR_PREFIX.length);
    return { actorId, exit: { exit: 'error', error: (event as { error?: unknown }).error } };
  }
  if (event.type.startsWith(DONE_PREFIX)) {
    const actorId = typeof carried === 'string' ? carried : event.type.slice(DONE_PREFIX.length);
    return { actorId, exit: { exit: 'normal', error: undefined } };
  }
  return undefined;
}
