import { createActor, type Actor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import type { ChildSpec } from '../supervision/index.js';
import { systemClock } from '../../domain/clock.js';
import type { Principal } from '../../domain/principal.js';
import { hubLimits, type HubDeps, type HubLimits } from './hubOptions.js';
import { hubMachine, type HubEvent, type HubMachineInput } from './hubMachine.js';
import { CLOSE_POLICY, CLOSE_TOO_SLOW, HubSession } from './hubSession.js';
import { createHubState, removeSession, type HubStats } from './hubState.js';
import type { HubSessionHandle, RealtimeHub } from './realtimeHub.js';
import type { SessionTransport } from './sessionTransport.js';
import { parseTopic } from './topic.js';
import { authoriseTopic } from './topicAccess.js';

export interface CreateHubOptions extends HubDeps {
  readonly limits?: Partial<HubLimits>;
  /** Inspection observer (the Stately inspector, the dashboard). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

export interface Hub extends RealtimeHub {
  /** The hub actor's current incarnation; undefined while a supervisor has not started one. */
  readonly actor: Actor<typeof hubMachine> | undefined;
  readonly stats: Readonly<HubStats>;
  readonly topicsWithHistory: number;
  /**
   * Closes every session (1001) and stops listening to the bus. Resolves at once; idempotent.
   * The bus itself is closed by its owner.
   */
  stop(): Promise<void>;
}

/** Starts the hub actor (id `hub`) on `bus` as a root actor of its own and returns what the gateways and src/app use. */
export function createHub(options: CreateHubOptions): Hub {
  const { hub, child } = createSupervisedHub(options, () => actor.stop());
  const actor = createActor(hubMachine, { id: 'hub', input: child.input as HubMachineInput, ...(options.inspect ? { inspect: options.inspect } : {}) });
  actor.subscribe({ error: () => undefined }); // a crash is state, never an unhandled rejection
  actor.start();
  return hub;
}

/**
 * The hub for a supervision tree: `child` is its place in the tree (transient: a hub whose bus
 * failed is started afresh and subscribes again; `hub.stop()` ends it in its final state, for good). The sessions,
 * topics and history live outside the actor, so an incarnation picks up where the last one was,
 * and clients resume by `since`. Until the supervisor starts it, sessions are refused with 1001.
 */
export function createSupervisedHub(options: Omit<CreateHubOptions, 'inspect'>, onStop?: () => void): { readonly hub: Hub; readonly child: ChildSpec<typeof hubMachine> } {
  const limits = hubLimits(options.limits);
  const clock = options.clock ?? systemClock;
  const state = createHubState(limits);
  let actor: Actor<typeof hubMachine> | undefined;
  let stopped = false;
  const active = () => !stopped && actor?.getSnapshot().status === 'active';

  // Shared by every session, so that a connection costs one small object rather than closures.
  const driver: HubDriver = {
    send: (event) => {
      if (active()) actor!.send(event);
    },
    active,
  };
  const onGone = (gone: HubSession) => {
    if (state.sessions.has(gone) && (gone.endedWith === CLOSE_TOO_SLOW || gone.endedWith === CLOSE_POLICY)) state.stats.cutOff += 1;
    removeSession(state, gone);
  };

  const connect = (principal: Principal, transport: SessionTransport): HubSessionHandle => {
    const session = new HubSession(principal, transport, limits, clock, onGone);
    if (active()) actor!.send({ type: 'session.open', session });
    else session.cutOff(1001, 'server shutting down');
    return new SessionHandle(driver, session);
  };

  const hub: Hub = {
    get actor() {
      return actor;
    },
    get stats() {
      return state.stats;
    },
    get topicsWithHistory() {
      return state.history.topicCount;
    },
    get full() {
      return state.sessions.size >= limits.maxSessions;
    },
    connect,
    async authorise(principal, topicName) {
      const topic = parseTopic(topicName);
      if (topic === undefined) return { code: 'invalid_topic', message: 'topic must be order:<id>, user:<id>, tasks:<id> or admin:all' };
      return authoriseTopic(principal, topic, options.orderOwner);
    },
    stop() {
      // `hub.stop` ends the hub in its final state, which its supervisor does not restart.
      if (active()) actor!.send({ type: 'hub.stop' });
      stopped = true;
      onStop?.();
      return Promise.resolve();
    },
  };
  const started = (self: AnyActorRef) => {
    actor = self as Actor<typeof hubMachine>;
  };
  return { hub, child: { id: 'hub', systemId: 'hub', restart: 'transient', logic: hubMachine, input: { state, deps: options, started } } };
}

interface HubDriver {
  send(event: HubEvent): void;
  active(): boolean;
}

/** What a gateway holds for one connection: methods on a prototype, not four closures per connection. */
class SessionHandle implements HubSessionHandle {
  constructor(
    private readonly driver: HubDriver,
    private readonly session: HubSession,
  ) {}

  receive(text: string): void {
    this.driver.send({ type: 'session.text', session: this.session, text });
  }

  subscribe(topic: string, since?: number): void {
    this.driver.send({ type: 'session.request', session: this.session, frame: since === undefined ? { type: 'subscribe', topic } : { type: 'subscribe', topic, since } });
  }

  drained(): void {
    this.driver.send({ type: 'session.drained', session: this.session });
  }

  close(): void {
    if (this.driver.active()) this.driver.send({ type: 'session.gone', session: this.session });
    else this.session.gone();
  }
}
