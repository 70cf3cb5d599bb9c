import { mayRead } from '../../domain/principal.js';
import type { OrderView } from '../orderView.js';
import type { SequencedHubMessage } from './hubMessage.js';
import type { HubLimits } from './hubOptions.js';
import type { HubSession } from './hubSession.js';
import { EventJson, LazyEventFrame } from './lazyEventFrame.js';
import { resetFrame, subscribedFrame } from './serverFrames.js';
import { TopicHistory } from './topicHistory.js';

/** Counters for metrics and tests. */
export interface HubStats {
  sessions: number;
  /** Event frames handed to sessions (one per session per topic). */
  delivered: number;
  /** Sessions closed for being too slow or flooding. */
  cutOff: number;
  /** Bus messages whose `event` could not be serialised when a session needed it; never sent. */
  unserialisable: number;
  /** Bus messages dropped as repeats of one still in the history (see `HubMessage.id`). */
  repeats: number;
}

/**
 * The hub actor's context: every live session, the topic → sessions index the fan-out walks,
 * and the per-topic history. Mutated in place by the machine's actions only, so that fanning a
 * message out to 10k sessions allocates nothing per session.
 */
export interface HubState {
  readonly limits: HubLimits;
  readonly sessions: Set<HubSession>;
  readonly index: Map<string, Set<HubSession>>;
  readonly history: TopicHistory;
  readonly stats: HubStats;
}

export function createHubState(limits: HubLimits): HubState {
  return {
    limits,
    sessions: new Set(),
    index: new Map(),
    history: new TopicHistory(limits.historyPerTopic, limits.maxTopics),
    stats: { sessions: 0, delivered: 0, cutOff: 0, unserialisable: 0, repeats: 0 },
  };
}

/**
 * One bus message to every session subscribed to any of its topics: serialised once, and only
 * if some session is subscribed to one of them (`EventJson`); the history keeps each topic's
 * frame to build when a resuming session asks for it. A repeat of a message still in its first
 * topic's history is dropped: every hub reads the same bus in the same order, so every hub drops
 * the same repeats.
 */
export function fanOut(state: HubState, message: SequencedHubMessage): void {
  const { id } = message;
  const first = message.topics[0];
  if (id !== undefined && first !== undefined && state.history.has(first, id)) {
    state.stats.repeats += 1;
    return;
  }
  const json = new EventJson(message.event, state.stats);
  const { seq, ownerId } = message;
  for (const topic of message.topics) {
    const entry = new LazyEventFrame(topic, seq, ownerId, id, json);
    state.history.record(topic, entry);
    const subscribers = state.index.get(topic);
    if (subscribers === undefined || subscribers.size === 0) continue;
    const frame = entry.frame;
    if (frame === undefined) continue;
    for (const session of subscribers) session.deliver(topic, seq, ownerId, frame);
    state.stats.delivered += subscribers.size;
  }
}

/**
 * Puts `session` on `topic` from `since` on. With the history reaching back, it gets
 * `subscribed` at `since`, the frames it missed (those it may read), then live ones. Without
 * `since`, it starts at the hub's latest sequence. Returns false when the history no longer
 * reaches back: the caller fetches a snapshot and calls `subscribeWithReset`.
 */
export function subscribeFrom(state: HubState, session: HubSession, topic: string, since: number | undefined): boolean {
  if (since === undefined) {
    const seq = state.history.lastSeq;
    session.write(subscribedFrame(topic, seq), 'subscribed', seq);
    activate(state, session, topic, seq);
    return true;
  }
  const replay = state.history.replay(topic, since);
  if (!replay.complete) return false;
  session.write(subscribedFrame(topic, since), 'subscribed', since);
  let lastSeq = since;
  for (const entry of replay.entries) {
    const frame = entry.frame;
    if (frame === undefined || !mayRead(session.principal, entry.ownerId)) continue;
    session.write(frame, 'event', entry.seq);
    lastSeq = entry.seq;
  }
  activate(state, session, topic, lastSeq);
  return true;
}

/**
 * The history no longer reaches back to `since`: a `reset` marker with the snapshot (if any),
 * then `subscribed`, both at the hub's latest sequence (never below `since`), then live frames.
 */
export function subscribeWithReset(state: HubState, session: HubSession, topic: string, since: number, snapshot: OrderView | undefined): void {
  const seq = Math.max(since, state.history.lastSeq);
  session.write(resetFrame(topic, seq, snapshot), 'reset', seq);
  session.write(subscribedFrame(topic, seq), 'subscribed', seq);
  activate(state, session, topic, seq);
}

function activate(state: HubState, session: HubSession, topic: string, lastSeq: number): void {
  session.clearPending(topic);
  if (session.closed) return; // cut off while catching up
  session.subscriptions.set(topic, lastSeq);
  let subscribers = state.index.get(topic);
  if (subscribers === undefined) {
    subscribers = new Set();
    state.index.set(topic, subscribers);
  }
  subscribers.add(session);
}

export function unsubscribe(state: HubState, session: HubSession, topic: string): boolean {
  const pending = session.clearPending(topic);
  if (!session.subscriptions.delete(topic)) return pending;
  const subscribers = state.index.get(topic);
  subscribers?.delete(session);
  if (subscribers?.size === 0) state.index.delete(topic);
  return true;
}

/** Forgets `session` and all its subscriptions. Idempotent. */
export function removeSession(state: HubState, session: HubSession): void {
  if (!state.sessions.delete(session)) return;
  for (const topic of [...session.subscriptions.keys()]) unsubscribe(state, session, topic);
  state.stats.sessions = state.sessions.size;
}
