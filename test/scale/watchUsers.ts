import { bearer } from '../support/auth.js';
import { connectRealtime, subscribe, type RealtimeClient } from '../support/realtimeClient.js';
import type { ClientSeen } from './oracle.js';

interface Watcher {
  readonly userId: string;
  url: string;
  client: RealtimeClient;
  /** Frames of earlier connections, then the current one's are appended at the end. */
  readonly earlier: ClientSeen['frames'][number][];
  resets: number;
  errors: number;
  reconnects: number;
  /** The seq to resume from: the last event received, or the seq the subscription started at. */
  since: number;
}

export interface UserWatch {
  /**
   * Moves every client of the process at `deadUrl`, once its connection has closed, to one of
   * `aliveUrls`, resuming with `since`. Call it before killing that process.
   */
  failOver(deadUrl: string, aliveUrls: readonly string[]): Promise<void>;
  seen(): ClientSeen[];
  /** Connections that closed without being told to (other than the fail-over), and error frames. */
  readonly trouble: { unexpectedCloses: number; errorFrames: number };
  close(): Promise<void>;
}

const topicOf = (userId: string) => `user:${userId}`;

function framesOf(client: RealtimeClient, topic: string): ClientSeen['frames'][number][] {
  return client
    .events()
    .filter((frame) => frame.topic === topic)
    .map((frame) => ({ seq: frame.seq!, orderId: frame.event!.snapshot.orderId, eventId: frame.event!.cloudEvent.id, status: frame.event!.snapshot.status }));
}

/**
 * One WebSocket client per user, each on the process `urlOf(userId)` gives (bearer token made with
 * the test secret), subscribed to `user:<id>` before any event is published. A client whose
 * process is killed is moved to a live one with `since` = the last seq it got: it must end up with
 * every change, once.
 */
export async function watchUsers(users: readonly { userId: string; url: string }[]): Promise<UserWatch> {
  const trouble = { unexpectedCloses: 0, errorFrames: 0 };
  const open = async (userId: string, url: string, since?: number): Promise<{ client: RealtimeClient; start: number }> => {
    const client = await connectRealtime(`${url.replace(/^http/, 'ws')}/ws`, await bearer(userId));
    const answer = await subscribe(client, topicOf(userId), since);
    if (answer.type !== 'subscribed') throw new Error(`subscribe ${topicOf(userId)} on ${url}: ${answer.raw}`);
    return { client, start: answer.seq ?? 0 };
  };
  const watchers: Watcher[] = await Promise.all(
    users.map(async ({ userId, url }) => {
      const { client, start } = await open(userId, url);
      return { userId, url, client, earlier: [], resets: 0, errors: 0, reconnects: 0, since: start };
    }),
  );
  const moving = new Set<Watcher>();
  let closing = false;
  const noteCloses = (watcher: Watcher) => {
    const current = watcher.client;
    void current.closed.then(() => {
      if (!closing && !moving.has(watcher) && watcher.client === current) trouble.unexpectedCloses++;
    });
  };
  watchers.forEach(noteCloses);

  const retire = (watcher: Watcher) => {
    const topic = topicOf(watcher.userId);
    const frames = framesOf(watcher.client, topic);
    watcher.earlier.push(...frames);
    watcher.since = frames.at(-1)?.seq ?? watcher.since;
    watcher.resets += watcher.client.frames.filter((f) => f.type === 'reset').length;
    watcher.errors += watcher.client.frames.filter((f) => f.type === 'error').length;
  };

  return {
    trouble,
    async failOver(deadUrl, aliveUrls) {
      const affected = watchers.filter((w) => w.url === deadUrl);
      await Promise.all(
        affected.map(async (watcher, i) => {
          moving.add(watcher);
          await watcher.client.closed; // the kill ends the connection
          retire(watcher);
          const url = aliveUrls[i % aliveUrls.length]!;
          const { client } = await open(watcher.userId, url, watcher.since);
          watcher.client = client;
          watcher.url = url;
          watcher.reconnects++;
          moving.delete(watcher);
          noteCloses(watcher);
        }),
      );
    },
    seen: () =>
      watchers.map((watcher) => {
        const current = framesOf(watcher.client, topicOf(watcher.userId));
        const resets = watcher.resets + watcher.client.frames.filter((f) => f.type === 'reset').length;
        trouble.errorFrames = watchers.reduce((n, w) => n + w.errors + w.client.frames.filter((f) => f.type === 'error').length, 0);
        return { userId: watcher.userId, frames: [...watcher.earlier, ...current], resets };
      }),
    async close() {
      closing = true;
      await Promise.all(watchers.map((w) => w.client.close()));
    },
  };
}
