import { hostname } from 'node:os';
import { ReplyError, type Redis } from 'ioredis';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions, OutboundMessage } from '../../streams/source.js';
import { fromStreamFields } from './redisStreamMessage.js';

export interface ConsumeStreamsDeps {
  /** The gateway's shared connection, for everything but the blocking reads. */
  readonly redis: Redis;
  /**
   * A dedicated connection for this subscription's blocking reads; the gateway disconnects it on
   * close. It must not reconnect by itself: a lost one fails its read, and the subscription then
   * opens a new one (ioredis' blocking reads can hang after an automatic reconnect).
   */
  readonly blockingConnection: () => Redis;
  /** True once the gateway is closing: the subscription then completes instead of failing. */
  readonly gatewayClosed: () => boolean;
  readonly clock: Clock;
  /** Put before every channel name to make its stream key. */
  readonly keyPrefix: string;
  /** An entry pending this long with no sign of life from its consumer is taken over. */
  readonly claimIdleMs: number;
  /**
   * How long the subscription keeps trying to get its reads going again after losing Redis
   * (restart, network) before it fails, so that whoever subscribed sees it down.
   */
  readonly recoverWithinMs: number;
  readonly publish: (channel: string, message: OutboundMessage) => Promise<void>;
  readonly deadLetterChannel: (channel: string) => string;
}

/** `[id, fields]`; fields are null for an entry deleted while it was pending. */
type Entry = [id: string, fields: string[] | null];
/** Longest a blocking read or a wait for credit lasts: bounds how late a stop is noticed. */
const BLOCK_MS = 1000;
/** A blocking read that has not answered this long after its BLOCK ran out is taken as hung. */
const WATCHDOG_MS = BLOCK_MS + 4000;
/** Replies that say Redis is there but not ready yet (loading its data after a restart, group gone with it). */
const TRANSIENT_REPLIES = ['LOADING', 'NOGROUP', 'MASTERDOWN', 'TRYAGAIN', 'BUSY '];
/** A lost connection, or a reply that only says Redis is not ready yet: worth another try. */
const isTransient = (error: unknown) =>
  !(error instanceof ReplyError) || TRANSIENT_REPLIES.some((code) => (error as Error).message.startsWith(code));
let members = 0;

/**
 * One member of a Redis consumer group over the channels' streams. Credit reaches Redis:
 * `XREADGROUP ... COUNT` asks only for the room left (split between the streams, as COUNT is
 * per stream), so nothing is ever buffered here. A retry keeps the entry pending (holding its
 * credit) and re-claims it for this member after the delay, which counts the redelivery.
 *
 * Every `claimIdleMs / 2` the member refreshes the idle time of what it holds (so a live member
 * keeps its entries however slow its handlers or long its retry delays) and takes over, with
 * `XAUTOCLAIM`, entries idle for `claimIdleMs`: those of members that went away without a word.
 * Unsubscribing marks what it held as idle for that long, so the next member takes it at once.
 * Aborting `options.signal` stops reading and completes once the held deliveries have settled.
 *
 * `options.onReady` is called once the groups exist and the first read is out, and again each
 * time the reads are going again after Redis was lost: the member then backs off, makes sure the
 * groups still exist and reads on a new blocking connection, for up to `recoverWithinMs`. A
 * settlement Redis did not take (it was down) gives its credit back; the entry stays pending and
 * is taken over again once idle, so it is delivered again rather than lost.
 */
export function consumeStreams(deps: ConsumeStreamsDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const consumer = `${hostname()}-${process.pid}-${++members}`;
    const { redis, clock, group } = { ...deps, group: options.group };
    const channelOf = new Map(options.channels.map((channel) => [deps.keyPrefix + channel, channel]));
    const streams = [...channelOf.keys()];
    /** What this subscription holds unsettled, by `${stream} ${id}`; its size is the credit in use. */
    const held = new Map<string, { stream: string; id: string }>();
    const timers = new Set<TimerHandle>();
    const waiting = new Set<() => void>();
    const cursors = new Map<string, string>();
    let blocking: Redis | undefined;
    let closed = false;
    let stopListening: () => void = () => undefined;
    let draining = false;
    let turn = 0;
    const stopped = () => closed || draining;

    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    /** Resolves on the next settlement or stop, or after `ms`. */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          waiting.delete(done);
          resolve();
        }, ms);
        const done = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        waiting.add(done);
      });
    const release = (ref: string) => {
      if (!held.delete(ref)) return;
      wakeAll();
      if (draining && !closed && held.size === 0) subscriber.complete();
    };
    /** Makes entries claimable by the group's other members at once (no redelivery counted). */
    const handBack = (stream: string, ids: readonly string[]) => {
      if (ids.length === 0 || deps.gatewayClosed()) return;
      redis.xclaim(stream, group, consumer, 0, ...ids, 'IDLE', deps.claimIdleMs, 'JUSTID').catch(() => undefined);
    };

    const emit = (stream: string, id: string, fields: string[], attempt: number) => {
      const ref = `${stream} ${id}`;
      const channel = channelOf.get(stream) ?? stream;
      held.set(ref, { stream, id });
      const inbound = fromStreamFields(fields);
      const origin: Origin = { gateway: 'redis', channel, coordinates: { stream, id }, attempt, receivedAt: clock.now() };
      // Refused or not: the credit comes back. What Redis did not take stays pending and returns.
      const settleWith = async (work: () => Promise<unknown>) => {
        if (closed || !held.has(ref)) throw new RedisDeliveryRevokedError(stream, id);
        try {
          await work();
        } finally {
          release(ref);
        }
      };
      const redeliver = async () => {
        if (closed || !held.has(ref)) return;
        if (draining) {
          handBack(stream, [id]);
          return release(ref);
        }
        // Claiming it again counts the redelivery at Redis and tells whether it is still there.
        // Redis away: let go of it; it stays pending and is claimed again once idle.
        const [entry] = (await redis.xclaim(stream, group, consumer, 0, id).catch(() => [])) as Entry[];
        if (closed) return;
        if (!entry?.[1]) return release(ref); // acknowledged or deleted meanwhile, or Redis away
        held.delete(ref);
        emit(stream, id, entry[1], attempt + 1);
      };
      subscriber.next(
        createDelivery(inbound, origin, {
          ack: () => settleWith(() => redis.xack(stream, group, id)),
          retry: async (delayMs) => {
            if (closed || !held.has(ref)) throw new RedisDeliveryRevokedError(stream, id);
            const timer = clock.setTimeout(() => {
              timers.delete(timer);
              redeliver().catch((error: unknown) => fail(error));
            }, Math.max(0, delayMs));
            timers.add(timer);
          },
          deadLetter: async (reason: DeadLetterReason) => {
            if (closed || !held.has(ref)) throw new RedisDeliveryRevokedError(stream, id);
            const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(clock.now())) };
            // Not parked: the delivery stays held and the pipeline's to settle otherwise.
            await deps.publish(deps.deadLetterChannel(channel), { body: inbound.body, headers, key: inbound.key ?? '' });
            await settleWith(() => redis.xack(stream, group, id));
          },
        }),
      );
    };

    /** Keeps what this member holds from looking abandoned, then takes over what others abandoned. */
    const janitor = async () => {
      const mine = new Map<string, string[]>();
      for (const { stream, id } of held.values()) mine.set(stream, [...(mine.get(stream) ?? []), id]);
      for (const [stream, ids] of mine) await redis.xclaim(stream, group, consumer, 0, ...ids, 'JUSTID');
      for (const stream of streams) {
        const room = options.credit - held.size;
        if (room <= 0 || stopped()) return;
        const [cursor, entries] = (await redis.xautoclaim(stream, group, consumer, deps.claimIdleMs, cursors.get(stream) ?? '0-0', 'COUNT', room)) as [string, Entry[]];
        cursors.set(stream, cursor);
        const live = entries.filter((e): e is [string, string[]] => e?.[1] != null && !held.has(`${stream} ${e[0]}`));
        if (live.length === 0) continue;
        if (stopped()) return handBack(stream, live.map(([id]) => id));
        // XAUTOCLAIM counted this delivery; XPENDING tells how many there have been in all.
        const pending = (await redis.xpending(stream, group, live[0]![0], live[live.length - 1]![0], live.length, consumer)) as [string, string, number, number][];
        const counts = new Map(pending.map(([id, , , count]) => [id, count]));
        for (const [id, fields] of live) {
          if (stopped()) handBack(stream, [id]);
          else emit(stream, id, fields, Math.max(2, counts.get(id) ?? 2));
        }
      }
    };

    /** Reads new entries for the room left: COUNT is per stream, so it is split between them. */
    const readNew = (connection: Redis, room: number) => {
      const start = turn++ % streams.length;
      const rotated = [...streams.slice(start), ...streams.slice(0, start)];
      const picked = rotated.slice(0, Math.min(room, streams.length));
      const count = Math.floor(room / picked.length);
      const reading = connection.xreadgroup(
        'GROUP', group, consumer, 'COUNT', count, 'BLOCK', BLOCK_MS, 'STREAMS', ...picked, ...picked.map(() => '>'),
      ) as Promise<[string, Entry[]][] | null>;
      return async () => {
        // The watchdog: a read that hangs past its BLOCK loses its connection, which fails it.
        const watchdog = clock.setTimeout(() => connection.disconnect(), WATCHDOG_MS);
        const reply = await reading.finally(() => clock.clearTimeout(watchdog));
        for (const [stream, entries] of reply ?? []) {
          if (stopped()) handBack(stream, entries.map(([id]) => id));
          else for (const [id, fields] of entries) if (fields) emit(stream, id, fields, 1);
        }
      };
    };

    const createGroups = async () => {
      for (const stream of streams) {
        // A new group starts from the earliest entry the stream still has.
        await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: unknown) => {
          if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
        });
      }
    };

    function fail(error: unknown) {
      if (closed) return;
      if (deps.gatewayClosed()) subscriber.complete();
      else subscriber.error(error);
    }
    function drain() {
      draining = true;
      blocking?.disconnect();
      wakeAll();
      if (held.size === 0) subscriber.complete();
    }

    (async () => {
      await createGroups();
      if (stopped()) return;
      stopListening = onAbort(options.signal, drain);
      let connection: Redis | undefined;
      let lastJanitor = -Infinity;
      let announced = false;
      let everReady = false;
      let failingSince: number | undefined;
      let failures = 0;
      while (!stopped()) {
        try {
          if (!connection) {
            if (failingSince !== undefined) await createGroups(); // Redis may have come back without them
            connection = blocking = deps.blockingConnection();
            announced = false;
          }
          if (clock.now() - lastJanitor >= deps.claimIdleMs / 2) {
            lastJanitor = clock.now();
            await janitor();
            continue;
          }
          const room = options.credit - held.size;
          if (room <= 0) {
            await pause(Math.min(BLOCK_MS, deps.claimIdleMs / 2));
            continue;
          }
          const settle = readNew(connection, room);
          if (!announced) {
            announced = everReady = true;
            options.onReady?.();
          }
          await settle();
          failingSince = undefined;
          failures = 0;
        } catch (error) {
          if (stopped()) return; // a read cut short by a stop is no failure
          // Before the first read a failure is the start's: said at once, naming its cause.
          if (deps.gatewayClosed() || !everReady || !isTransient(error) || clock.now() - (failingSince ??= clock.now()) > deps.recoverWithinMs) throw error;
          connection?.disconnect();
          connection = blocking = undefined;
          await pause(Math.min(2000, 100 * 2 ** failures++));
        }
      }
    })().catch((error: unknown) => {
      if (!stopped()) fail(error);
    });

    return () => {
      closed = true;
      stopListening();
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      wakeAll();
      blocking?.disconnect();
      const byStream = new Map<string, string[]>();
      for (const { stream, id } of held.values()) byStream.set(stream, [...(byStream.get(stream) ?? []), id]);
      for (const [stream, ids] of byStream) handBack(stream, ids);
      held.clear();
    };
  });
}

/** The subscription that received this entry has ended; the group's next member takes it over. */
export class RedisDeliveryRevokedError extends Error {
  override readonly name = 'RedisDeliveryRevokedError';
  constructor(stream: string, id: string) {
    super(`entry ${id} of ${stream} was handed back to its group when its consumer ended`);
  }
}
