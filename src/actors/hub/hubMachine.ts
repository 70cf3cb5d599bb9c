import { assertEvent, fromCallback, setup, type AnyActorRef } from 'xstate';
import { mayRead } from '../../domain/principal.js';
import type { OrderView } from '../orderView.js';
import { isFrameProblem, parseClientFrame, type ClientFrame } from './clientFrame.js';
import type { ClusterBus } from './clusterBus.js';
import type { SequencedHubMessage } from './hubMessage.js';
import type { HubDeps } from './hubOptions.js';
import { CLOSE_GOING_AWAY, CLOSE_SERVICE_RESTART, type HubSession } from './hubSession.js';
import { fanOut, removeSession, subscribeFrom, subscribeWithReset, unsubscribe, type HubState } from './hubState.js';
import { PONG_FRAME } from './serverFrames.js';
import { parseTopic } from './topic.js';
import { authoriseTopic, type TopicRefusal } from './topicAccess.js';

export type HubEvent =
  | { readonly type: 'bus.message'; readonly message: SequencedHubMessage }
  | { readonly type: 'bus.failed'; readonly error: unknown }
  | { readonly type: 'bus.completed' }
  | { readonly type: 'session.open'; readonly session: HubSession }
  /** A text frame from a WebSocket client, not yet parsed or rate-limited. */
  | { readonly type: 'session.text'; readonly session: HubSession; readonly text: string }
  /** A request made for the client by its gateway (SSE subscribes from the query string). */
  | { readonly type: 'session.request'; readonly session: HubSession; readonly frame: ClientFrame }
  | { readonly type: 'session.drained'; readonly session: HubSession }
  /** The peer went away. */
  | { readonly type: 'session.gone'; readonly session: HubSession }
  | SubscribeChecked
  | SubscribeSnapshot
  | { readonly type: 'hub.stop' };

interface SubscribeChecked {
  readonly type: 'subscribe.checked';
  readonly session: HubSession;
  readonly topic: string;
  readonly since: number | undefined;
  readonly token: number;
  readonly refusal: TopicRefusal | undefined;
}

interface SubscribeSnapshot {
  readonly type: 'subscribe.snapshot';
  readonly session: HubSession;
  readonly topic: string;
  readonly since: number;
  readonly token: number;
  readonly snapshot: OrderView | undefined;
  readonly failed: boolean;
}

export interface HubMachineInput {
  readonly state: HubState;
  readonly deps: Pick<HubDeps, 'bus' | 'orderOwner' | 'orderSnapshot'>;
  /** Told each incarnation as it starts: how the hub's handle finds the current one under a supervisor. */
  readonly started?: (self: AnyActorRef) => void;
}

interface HubContext extends HubMachineInput {
  /** Why the hub stopped, once it has. */
  readonly failure?: unknown;
}

let nextToken = 1;

/** Sends an async answer back to the hub, unless it has stopped meanwhile. */
const answer = (self: AnyActorRef, event: HubEvent) => {
  if (self.getSnapshot().status === 'active') self.send(event);
};

/** Every message of the bus as an event to the hub; unsubscribing is the cleanup. */
const busMessages = fromCallback<HubEvent, ClusterBus>(({ input, sendBack }) => {
  const subscription = input.messages$.subscribe({
    next: (message) => sendBack({ type: 'bus.message', message }),
    error: (error: unknown) => sendBack({ type: 'bus.failed', error }),
    complete: () => sendBack({ type: 'bus.completed' }),
  });
  return () => subscription.unsubscribe();
});

/**
 * The hub actor. It owns the sessions, their subscriptions and the per-topic history; every
 * change to them is one of its events, handled to completion one at a time, so the fan-out never
 * races a subscribe. Nothing in it waits: owner checks and snapshots run as promises whose
 * answers come back as events, and a slow session is cut off by the session itself.
 *
 *   running ──bus.completed / hub.stop──► stopped (every session closed)
 *   running ──bus.failed──► error (every session closed; a supervisor starts a fresh hub)
 */
export const hubMachine = setup({
  types: { context: {} as HubContext, events: {} as HubEvent, input: {} as HubMachineInput },
  actors: { busMessages },
  actions: {
    fanOut: ({ context, event }) => {
      assertEvent(event, 'bus.message');
      fanOut(context.state, event.message);
    },
    openSession: ({ context, event }) => {
      assertEvent(event, 'session.open');
      const { state } = context;
      if (state.sessions.size >= state.limits.maxSessions) {
        event.session.cutOff(1013, `server full (${state.limits.maxSessions} sessions)`);
        return;
      }
      state.sessions.add(event.session);
      state.stats.sessions = state.sessions.size;
    },
    receiveText: ({ context, event, self }) => {
      assertEvent(event, 'session.text');
      const { session } = event;
      if (session.closed || !session.admit()) return;
      const parsed = parseClientFrame(event.text);
      if (isFrameProblem(parsed)) return session.error(parsed.code, parsed.message);
      handleRequest(context, session, parsed, self);
    },
    receiveRequest: ({ context, event, self }) => {
      assertEvent(event, 'session.request');
      if (!event.session.closed) handleRequest(context, event.session, event.frame, self);
    },
    drained: ({ event }) => {
      assertEvent(event, 'session.drained');
      event.session.drained();
    },
    forgetSession: ({ context, event }) => {
      assertEvent(event, 'session.gone');
      event.session.gone();
      removeSession(context.state, event.session); // also when gone() had already run
    },
    subscribeChecked: ({ context, event, self }) => {
      assertEvent(event, 'subscribe.checked');
      const { session, topic, since, token, refusal } = event;
      if (session.closed || session.pendingToken(topic) !== token) return; // unsubscribed meanwhile
      if (refusal) {
        session.clearPending(topic);
        return session.error(refusal.code, refusal.message, topic);
      }
      if (subscribeFrom(context.state, session, topic, since)) return;
      const parsed = parseTopic(topic);
      const resumeFrom = since ?? 0;
      if (parsed?.kind !== 'order') return subscribeWithReset(context.state, session, topic, resumeFrom, undefined);
      context.deps.orderSnapshot(parsed.id).then(
        (snapshot) => answer(self, { type: 'subscribe.snapshot', session, topic, since: resumeFrom, token, snapshot, failed: false }),
        () => answer(self, { type: 'subscribe.snapshot', session, topic, since: resumeFrom, token, snapshot: undefined, failed: true }),
      );
    },
    subscribeSnapshot: ({ context, event }) => {
      assertEvent(event, 'subscribe.snapshot');
      const { session, topic, since, token, snapshot, failed } = event;
      if (session.closed || session.pendingToken(topic) !== token) return;
      if (failed || (snapshot !== undefined && !mayRead(session.principal, snapshot.userId))) {
        session.clearPending(topic);
        return failed
          ? session.error('lookup_failed', `could not load ${topic}; try again`, topic)
          : session.error('forbidden', `${topic} is not yours`, topic);
      }
      subscribeWithReset(context.state, session, topic, since, snapshot);
    },
    announce: ({ context, self }) => context.started?.(self),
    // An error, not a final state: the bus was lost rather than closed, and the hub's supervisor
    // should start a fresh one that subscribes again.
    failOnBusLoss: ({ event }) => {
      assertEvent(event, 'bus.failed');
      throw new HubBusLostError(event.error);
    },
    closeEverything: ({ context, event }) => {
      const [code, reason] = event.type === 'hub.stop' ? [CLOSE_GOING_AWAY, 'server shutting down'] : [CLOSE_SERVICE_RESTART, 'real-time bus lost; reconnect'];
      for (const session of [...context.state.sessions]) session.cutOff(code, reason);
    },
  },
}).createMachine({
  id: 'hub',
  context: ({ input }) => input,
  initial: 'running',
  entry: 'announce',
  states: {
    running: {
      invoke: { src: 'busMessages', input: ({ context }) => context.deps.bus },
      on: {
        'bus.message': { actions: 'fanOut' },
        'session.open': { actions: 'openSession' },
        'session.text': { actions: 'receiveText' },
        'session.request': { actions: 'receiveRequest' },
        'session.drained': { actions: 'drained' },
        'session.gone': { actions: 'forgetSession' },
        'subscribe.checked': { actions: 'subscribeChecked' },
        'subscribe.snapshot': { actions: 'subscribeSnapshot' },
        'bus.failed': { target: 'stopped', actions: ['closeEverything', 'failOnBusLoss'] },
        'bus.completed': { target: 'stopped', actions: 'closeEverything' },
        'hub.stop': { target: 'stopped', actions: 'closeEverything' },
      },
    },
    stopped: { type: 'final' },
  },
});

function handleRequest(context: HubContext, session: HubSession, frame: ClientFrame, self: AnyActorRef): void {
  const { state, deps } = context;
  switch (frame.type) {
    case 'ping':
      return session.write(PONG_FRAME, 'pong');
    case 'unsubscribe':
      if (!unsubscribe(state, session, frame.topic)) session.error('not_subscribed', `not subscribed to ${frame.topic}`, frame.topic);
      return;
    case 'subscribe': {
      const topic = parseTopic(frame.topic);
      if (topic === undefined) return session.error('invalid_topic', 'topic must be order:<id>, user:<id>, tasks:<id> or admin:all');
      if (session.subscriptions.has(topic.name) || session.pendingToken(topic.name) !== undefined) {
        return session.error('already_subscribed', `already subscribed to ${topic.name}`, topic.name);
      }
      if (session.subscriptions.size + session.pendingCount >= state.limits.maxSubscriptions) {
        return session.error('too_many_subscriptions', `at most ${state.limits.maxSubscriptions} subscriptions per connection`, topic.name);
      }
      const token = nextToken++;
      session.setPending(topic.name, token);
      const { since } = frame;
      void authoriseTopic(session.principal, topic, deps.orderOwner).then((refusal) =>
        answer(self, { type: 'subscribe.checked', session, topic: topic.name, since, token, refusal }),
      );
      return;
    }
  }
}

/** The cluster bus failed under the hub; `cause` is the bus's error. */
export class HubBusLostError extends Error {
  override readonly name = 'HubBusLostError';
  constructor(cause: unknown) {
    super(`the hub's cluster bus failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
