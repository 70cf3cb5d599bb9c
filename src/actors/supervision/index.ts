/**
 * Public surface of supervision: OTP-style supervisors as XState v5 actor logic.
 *
 * A root supervisor's failure is how the app learns the tree gave up: it never hangs, its
 * snapshot becomes `status: 'error'` (a `SupervisorEscalationError`, with the child's error as
 * `cause`). The app should subscribe before starting it:
 *
 * ```ts
 * const root = createActor(createSupervisorLogic(spec));
 * toPromise(root).then(
 *   () => {},                                       // stopped cleanly (shutdown)
 *   (error) => { log.fatal({ err: error }); process.exitCode = 1; void shutdown(); },
 * );
 * root.start();
 * ```
 *
 * (`root.subscribe({ error })` works as well; without any error observer XState rethrows the
 * error asynchronously, which crashes the process — loud, but without a clean shutdown.)
 */
export { backoffDelay, defaultBackoff, type BackoffOptions } from './backoffDelay.js';
export type { ChildSpec, RestartType } from './childSpec.js';
export { createSupervisorLogic, type SupervisorLogic } from './createSupervisorLogic.js';
export { SupervisorEscalationError } from './supervisorEscalationError.js';
export type { StopReason, SupervisorNotice } from './supervisorNotice.js';
export type { ChildState, ChildStatus, SupervisorContext, SupervisorSnapshot } from './supervisorSnapshot.js';
export { SupervisorSpecError, type RestartStrategy, type SupervisorSpec } from './supervisorSpec.js';
