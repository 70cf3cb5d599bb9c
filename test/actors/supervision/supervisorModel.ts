import type { ChildStatus, RestartStrategy, RestartType } from '../../../src/actors/supervision/index.js';

/**
 * A reference model of OTP supervision, written from the rules and not from the code: time is a
 * number, the intensity window is a list of decision times filtered on the spot, and the log of
 * lifetimes is what the probes should have written. Deliberately naive so it is easy to trust.
 */
export interface ModelSpec {
  readonly strategy: RestartStrategy;
  readonly intensity: number;
  readonly periodMs: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: number;
  readonly restarts: readonly RestartType[];
  /** The randomness the real supervisor is given, in call order (cycled). */
  readonly randoms: readonly number[];
}

export interface ModelChild {
  readonly id: string;
  readonly restart: RestartType;
  status: ChildStatus;
  /** Incarnation number of the current or last incarnation. */
  generation: number;
  /** When its pending restart is due (only for a child that leads a restart). */
  due: number | undefined;
}

export class SupervisorModel {
  now = 0;
  escalated = false;
  terminated = false;
  readonly children: ModelChild[];
  /** Restart decisions: when and for which child. */
  readonly decisions: { t: number; child: number }[] = [];
  /** Lifetime lines expected since the last check. */
  lines: string[] = [];
  private randomCalls = 0;

  constructor(readonly spec: ModelSpec) {
    this.children = spec.restarts.map((restart, i) => ({ id: `c${i}`, restart, status: 'running', generation: 1, due: undefined }));
    for (const child of this.children) this.lines.push(`start ${child.id}#1`);
  }

  get active() {
    return !this.escalated && !this.terminated;
  }

  inWindow() {
    return this.decisions.filter((d) => d.t + this.spec.periodMs > this.now);
  }

  private actorId(child: ModelChild) {
    return `${child.id}#${child.generation}`;
  }

  private random() {
    const value = this.spec.randoms[this.randomCalls % this.spec.randoms.length] ?? 0;
    this.randomCalls += 1;
    return value;
  }

  exit(k: number, how: 'fail' | 'done') {
    const child = this.children[k] as ModelChild;
    this.lines.push(`${how} ${this.actorId(child)}`);
    const restart = child.restart === 'permanent' || (child.restart === 'transient' && how === 'fail');
    if (!restart) {
      child.status = 'stopped';
      return;
    }
    if (this.inWindow().length + 1 > this.spec.intensity) {
      child.status = 'stopped';
      this.stopAll();
      this.escalated = true;
      return;
    }
    this.decisions.push({ t: this.now, child: k });
    const attempt = this.inWindow().filter((d) => d.child === k).length;
    const exact = Math.min(this.spec.maxMs, this.spec.baseMs * 2 ** (attempt - 1));
    const delay = Math.round(exact * (1 - this.spec.jitter * this.random()));
    if (this.spec.strategy === 'rest-for-one') {
      for (let i = this.children.length - 1; i > k; i--) {
        const later = this.children[i] as ModelChild;
        if (later.status === 'running') {
          this.lines.push(`stop ${this.actorId(later)}`);
          later.status = later.restart === 'temporary' ? 'stopped' : 'restarting';
        }
        later.due = undefined;
      }
    }
    child.status = 'restarting';
    child.due = this.now + delay;
  }

  /** Due times of pending restarts up to `until`, earliest first, without duplicates. */
  dueTimes(until: number): number[] {
    const times = this.children.flatMap((c) => (c.due !== undefined && c.due <= until ? [c.due] : []));
    return [...new Set(times)].sort((a, b) => a - b);
  }

  /** Moves time to `t` (no later than the next due restart) and fires the restarts due then. */
  advanceTo(t: number) {
    this.now = t;
    this.children.forEach((child, k) => {
      if (child.due === undefined || child.due > t) return;
      child.due = undefined;
      const last = this.spec.strategy === 'rest-for-one' ? this.children.length - 1 : k;
      for (let i = k; i <= last; i++) {
        const next = this.children[i] as ModelChild;
        if (next.status !== 'restarting') continue;
        next.status = 'running';
        next.generation += 1;
        this.lines.push(`start ${this.actorId(next)}`);
      }
    });
  }

  stopAll() {
    for (let i = this.children.length - 1; i >= 0; i--) {
      const child = this.children[i] as ModelChild;
      if (child.status === 'running') this.lines.push(`stop ${this.actorId(child)}`);
      child.status = 'stopped';
      child.due = undefined;
    }
  }
}
