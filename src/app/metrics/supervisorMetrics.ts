import { Counter, type Registry } from 'prom-client';
import type { SupervisorNotice } from '../../actors/supervision/index.js';

/** What the metrics need of a supervisor actor; `Actor<SupervisorLogic>` is one. */
export interface SupervisorRef {
  on(type: '*', handler: (notice: SupervisorNotice) => void): { unsubscribe(): void };
  getSnapshot(): unknown;
}

export interface SupervisorMetrics {
  /** Counts one notice; what `watch` does for every notice it sees. */
  count(notice: SupervisorNotice): void;
  /**
   * Counts the notices of `root` and of every supervisor below it (the gateways supervisor under
   * the pipeline's), following each new incarnation as it is started. Returns the unsubscribe.
   */
  watch(root: SupervisorRef): () => void;
}

/** `gateways#3` → `gateways`: a nested supervisor's actor id names its incarnation, the label must not. */
const supervisorLabel = (supervisorId: string) => supervisorId.replace(/#\d+$/, '');

export function createSupervisorMetrics(registry: Registry): SupervisorMetrics {
  const registers = [registry];
  const restarts = new Counter({
    name: 'orderly_supervisor_restarts_total',
    help: 'Children a supervisor started again after they failed (or a sibling did), by supervisor and child.',
    labelNames: ['supervisor', 'child'],
    registers,
  });
  const failures = new Counter({
    name: 'orderly_supervisor_child_failures_total',
    help: 'Children that exited with an error, by supervisor and child.',
    labelNames: ['supervisor', 'child'],
    registers,
  });
  const escalations = new Counter({
    name: 'orderly_supervisor_escalations_total',
    help: 'Supervisors that gave up past their restart intensity and failed to their parent (at the root: the process exits).',
    labelNames: ['supervisor'],
    registers,
  });

  const count = (notice: SupervisorNotice) => {
    const supervisor = supervisorLabel(notice.supervisorId);
    if (notice.type === 'supervisor.child.restarted') restarts.inc({ supervisor, child: notice.childId });
    else if (notice.type === 'supervisor.child.exited' && notice.exit === 'error') failures.inc({ supervisor, child: notice.childId });
    else if (notice.type === 'supervisor.escalated') escalations.inc({ supervisor });
  };

  const watch = (root: SupervisorRef) => {
    // By path in the tree: a restarted nested supervisor replaces its predecessor's subscription.
    const watched = new Map<string, { ref: SupervisorRef; subscription: { unsubscribe(): void } }>();
    const followChild = (parent: SupervisorRef, path: string, childId: string) => {
      const child = childrenOf(parent)[childId];
      if (isSupervisor(child)) follow(child, `${path}/${childId}`);
    };
    const follow = (ref: SupervisorRef, path: string) => {
      const existing = watched.get(path);
      if (existing?.ref === ref) return;
      existing?.subscription.unsubscribe();
      const subscription = ref.on('*', (notice) => {
        count(notice);
        if (notice.type === 'supervisor.child.started' || notice.type === 'supervisor.child.restarted') followChild(ref, path, notice.childId);
      });
      watched.set(path, { ref, subscription });
      for (const childId of Object.keys(childrenOf(ref))) followChild(ref, path, childId);
    };
    follow(root, '');
    return () => {
      for (const { subscription } of watched.values()) subscription.unsubscribe();
      watched.clear();
    };
  };

  return { count, watch };
}

function childrenOf(ref: SupervisorRef): Readonly<Record<string, unknown>> {
  const snapshot = ref.getSnapshot() as { children?: Record<string, unknown> } | undefined;
  return snapshot?.children ?? {};
}

/** A child actor whose logic is a supervisor: its snapshot has the supervisor's context. */
function isSupervisor(actor: unknown): actor is SupervisorRef {
  if (typeof actor !== 'object' || actor === null) return false;
  const ref = actor as Partial<SupervisorRef>;
  if (typeof ref.on !== 'function' || typeof ref.getSnapshot !== 'function') return false;
  const context = (ref.getSnapshot() as { context?: { strategy?: unknown; children?: unknown } } | undefined)?.context;
  return typeof context?.strategy === 'string' && Array.isArray(context.children);
}
