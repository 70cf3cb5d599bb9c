import type { AnyActorLogic } from 'xstate';
import type { BackoffOptions } from './backoffDelay.js';

/**
 * When a child that has exited is started again (OTP's restart types):
 * - `permanent`: always, whether it failed or completed;
 * - `transient`: only after an abnormal exit (an error); a normal completion is final;
 * - `temporary`: never; its exit is recorded and that is all.
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** One supervised child. Children are started in the order the supervisor lists them. */
export interface ChildSpec<TLogic extends AnyActorLogic = AnyActorLogic> {
  /** Name of the child, unique within its supervisor; it names the child in the snapshot and in notices. */
  readonly id: string;
  /** Any XState actor logic: a machine, `fromPromise`, `fromCallback`, another supervisor... */
  readonly logic: TLogic;
  /** Input given to every incarnation of the child. @default undefined */
  readonly input?: unknown;
  /**
   * Registers every incarnation under this system id, so other actors can find the current one
   * with `system.get(systemId)` across restarts. @default undefined (not registered)
   */
  readonly systemId?: string;
  /** @default 'permanent' */
  readonly restart?: RestartType;
  /** Overrides the supervisor's backoff for this child, field by field. @default the supervisor's `backoff` */
  readonly backoff?: Partial<BackoffOptions>;
}
