import type { AnyActorRef, Snapshot } from 'xstate';
import type { RestartStrategy } from './supervisorSpec.js';

/**
 * - `running`: an incarnation is alive;
 * - `restarting`: none is, one will be started when a backoff timer fires;
 * - `stopped`: none is and none will be (a final exit, a shutdown or an escalation).
 */
export type ChildStatus = 'running' | 'restarting' | 'stopped';

/** What a dashboard shows for one child. Plain data except `lastError`. */
export interface ChildState {
  readonly id: string;
  readonly status: ChildStatus;
  /** Actor id of the live incarnation (`<id>#<n>`); undefined unless running. */
  readonly actorId: string | undefined;
  /** Times the child was started again after its first start (its own restarts and rest-for-one ones). */
  readonly restarts: number;
  /** Restarts of this child decided within the last `periodMs`; sets its next backoff. */
  readonly recentRestarts: number;
  /** How the last incarnation ended; undefined while the first one runs. */
  readonly lastExit: 'normal' | 'error' | 'stopped' | undefined;
  /** The last error the child failed with, if it ever failed. */
  readonly lastError: unknown;
  /** `lastError` as text, for readers that serialise the snapshot. */
  readonly lastErrorMessage: string | undefined;
}

export interface SupervisorContext {
  readonly strategy: RestartStrategy;
  readonly intensity: number;
  readonly periodMs: number;
  /** Restarts decided within the last `periodMs`, all children together (OTP counts per supervisor). */
  readonly restartsInPeriod: number;
  /** In start order. */
  readonly children: readonly ChildState[];
}

/**
 * The supervisor actor's snapshot: XState's status/error plus `context` for dashboards and
 * `children`, the live child actors by child id, as in a machine snapshot (to send them events).
 */
export type SupervisorSnapshot = Snapshot<undefined> & {
  readonly context: SupervisorContext;
  readonly children: Readonly<Record<string, AnyActorRef>>;
};
