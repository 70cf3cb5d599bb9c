import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { systemClock } from '../../domain/clock.js';
import type { Principal } from '../../domain/principal.js';
import { hubLimits, type HubDeps, type HubLimits } from './hubOptions.js';
import { hubMachine } from './hubMachine.js';
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

  const connect = (principal: Principal, transport: SessionTransport): HubSessionHandle => {
    const session = new HubSession(principal, transport, limits, clock, (gone) => {
      if (state.sessions.has(gone) && (gone.endedWith === CLOSE_TOO_SLOW || gone.endedWith === CLOSE_POLICY)) state.stats.cutOff += 1;
      removeSession(state, gone);
    });
    if (active()) actor.send({ type: 'session.open', session });
    else session.cutOff(1001, 'server shutting down');
    const send = (event: Parameters<typeof actor.send>[0]) => {
      if (active()) actor.send(event);
    };
    return {
      receive: (text) => send({ type: 'session.text', session, text }),
      subscribe: (topic, since) => send({ type: 'session.request', session, frame: since === undefined ? { type: 'subscribe', topic } : { type: 'subscribe', topic, since } }),
      drained: () => send({ type: 'session.drained', session }),
      close: () => (active() ? actor.send({ type: 'session.gone', session }) : session.gone()),
    };
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
