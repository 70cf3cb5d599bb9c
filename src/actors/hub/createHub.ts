import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { systemClock } from '../../domain/clock.js';
import type { Principal } from '../../domain/principal.js';
import { hubLimits, type HubDeps, type HubLimits } from './hubOptions.js';
import { hubMachine, type HubEvent } from './hubMachine.js';
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
  readonly actor: Actor<typeof hubMachine>;
  readonly stats: Readonly<HubStats>;
  readonly topicsWithHistory: number;
  /**
   * Closes every session (1001) and stops listening to the bus. Resolves at once; idempotent.
   * The bus itself is closed by its owner.
   */
  stop(): Promise<void>;
}

/** Starts the hub actor (id `hub`) on `bus` and returns what the gateways and src/app use. */
export function createHub(options: CreateHubOptions): Hub {
  const limits = hubLimits(options.limits);
  const clock = options.clock ?? systemClock;
  const state = createHubState(limits);
  const actor = createActor(hubMachine, {
    id: 'hub',
    systemId: 'hub',
    input: { state, deps: options },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.subscribe({ error: () => undefined }); // a crash is state, never an unhandled rejection
  actor.start();
  const active = () => actor.getSnapshot().status === 'active';

  // Shared by every session, so that a connection costs one small object rather than closures.
  const driver: HubDriver = {
    send: (event) => {
      if (active()) actor.send(event);
    },
    active,
  };
  const onGone = (gone: HubSession) => {
    if (state.sessions.has(gone) && (gone.endedWith === CLOSE_TOO_SLOW || gone.endedWith === CLOSE_POLICY)) state.stats.cutOff += 1;
    removeSession(state, gone);
  };

  const connect = (principal: Principal, transport: SessionTransport): HubSessionHandle => {
    const session = new HubSession(principal, transport, limits, clock, onGone);
    if (active()) actor.send({ type: 'session.open', session });
    else session.cutOff(1001, 'server shutting down');
    return new SessionHandle(driver, session);
  };

  return {
    actor,
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
      if (active()) actor.send({ type: 'hub.stop' });
      actor.stop();
      return Promise.resolve();
    },
  };
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
