import { defaultBackoff, type BackoffOptions } from './backoffDelay.js';
import type { ChildSpec, RestartType } from './childSpec.js';
import type { SupervisorNotice } from './supervisorNotice.js';

/**
 * Which children a restart takes with it (OTP strategies):
 * - `one-for-one`: only the child that exited;
 * - `rest-for-one`: that child and every child listed after it (they depend on it): those are
 *   stopped in reverse order, and all come back in order once the failed child's backoff is over.
 */
export type RestartStrategy = 'one-for-one' | 'rest-for-one';

export interface SupervisorSpec {
  /** Children, in start order. */
  readonly children: readonly ChildSpec[];
  /** @default 'one-for-one' */
  readonly strategy?: RestartStrategy;
  /**
   * Most restarts allowed within `periodMs`; the next exit that calls for a restart makes the
   * supervisor stop everything and fail to its parent. 0 means: never restart, escalate at once.
   *
   * @default 5 — OTP's default is 1 in 5 s, tuned for in-VM processes that restart in
   * microseconds, where a second crash means a bug. Here children hold broker connections and
   * restart after a backoff; a broker failover makes a short burst of failures that a restart or
   * five absorbs, while a crash loop (about 3 s of doubling delays at the default backoff) still
   * escalates well within the period.
   */
  readonly intensity?: number;
  /**
   * Length of the window restarts are counted in: a restart is forgotten `periodMs` after it was
   * decided. It also resets a child's backoff: the n-th restart of a child within the period
   * waits `baseMs * 2^(n-1)`. @default 30_000
   */
  readonly periodMs?: number;
  /** Backoff of every child that does not set its own. @default { baseMs: 100, maxMs: 10_000, jitter: 0.2 } */
  readonly backoff?: Partial<BackoffOptions>;
  /** Source of jitter, a number in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Told about every start, exit, stop, restart and escalation (they are also emitted, for
   * `actor.on(...)`); useful for nested supervisors whose actor the app does not hold. A
   * throwing listener is ignored: logging must never break supervision. @default undefined
   */
  readonly onNotice?: (notice: SupervisorNotice) => void;
}

export interface ResolvedChildSpec {
  readonly id: string;
  readonly logic: ChildSpec['logic'];
  readonly input: unknown;
  readonly systemId: string | undefined;
  readonly restart: RestartType;
  readonly backoff: BackoffOptions;
}

export interface ResolvedSupervisorSpec {
  readonly children: readonly ResolvedChildSpec[];
  readonly strategy: RestartStrategy;
  readonly intensity: number;
  readonly periodMs: number;
  readonly random: () => number;
  readonly onNotice: ((notice: SupervisorNotice) => void) | undefined;
}

/** A supervisor spec that cannot work; the message names the field. */
export class SupervisorSpecError extends Error {
  override readonly name = 'SupervisorSpecError';
}

const restartTypes: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const strategies: readonly RestartStrategy[] = ['one-for-one', 'rest-for-one'];

function checkBackoff(where: string, backoff: BackoffOptions): BackoffOptions {
  const { baseMs, maxMs, jitter } = backoff;
  if (!Number.isFinite(baseMs) || baseMs < 0) throw new SupervisorSpecError(`${where}.baseMs must be a finite number >= 0, got ${baseMs}`);
  if (!Number.isFinite(maxMs) || maxMs < baseMs) throw new SupervisorSpecError(`${where}.maxMs must be finite and >= baseMs (${baseMs}), got ${maxMs}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new SupervisorSpecError(`${where}.jitter must be within [0, 1], got ${jitter}`);
  return { baseMs, maxMs, jitter };
}

/** Defaults filled in and every field checked, in one place, when the logic is created. */
export function resolveSupervisorSpec(spec: SupervisorSpec): ResolvedSupervisorSpec {
  const strategy = spec.strategy ?? 'one-for-one';
  const intensity = spec.intensity ?? 5;
  const periodMs = spec.periodMs ?? 30_000;
  if (!strategies.includes(strategy)) throw new SupervisorSpecError(`strategy must be one of ${strategies.join(', ')}, got ${String(strategy)}`);
  if (!Number.isSafeInteger(intensity) || intensity < 0) throw new SupervisorSpecError(`intensity must be an integer >= 0, got ${intensity}`);
  if (!Number.isSafeInteger(periodMs) || periodMs < 1) throw new SupervisorSpecError(`periodMs must be a positive integer, got ${periodMs}`);
  if (!Array.isArray(spec.children)) throw new SupervisorSpecError('children must be an array of child specs');
  const backoff = checkBackoff('backoff', { ...defaultBackoff, ...spec.backoff });
  const seen = new Set<string>();
  const children = spec.children.map((child, index): ResolvedChildSpec => {
    if (typeof child.id !== 'string' || child.id === '') throw new SupervisorSpecError(`children[${index}].id must be a non-empty string`);
    if (seen.has(child.id)) throw new SupervisorSpecError(`children[${index}].id ${JSON.stringify(child.id)} is used twice`);
    seen.add(child.id);
    if (typeof child.logic?.transition !== 'function') throw new SupervisorSpecError(`children[${index}] (${child.id}).logic must be XState actor logic`);
    const restart = child.restart ?? 'permanent';
    if (!restartTypes.includes(restart)) throw new SupervisorSpecError(`children[${index}] (${child.id}).restart must be one of ${restartTypes.join(', ')}, got ${String(restart)}`);
    return {
      id: child.id,
      logic: child.logic,
      input: child.input,
      systemId: child.systemId,
      restart,
      backoff: checkBackoff(`children[${index}] (${child.id}).backoff`, { ...backoff, ...child.backoff }),
    };
  });
  return { children, strategy, intensity, periodMs, random: spec.random ?? Math.random, onNotice: spec.onNotice };
}
