import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import { onAbort } from '../../streams/onAbort.js';
import type { ConsumeOptions } from '../../streams/source.js';
import { heartbeat, reclaimConsumer, reclaimGoneConsumers } from './listJanitor.js';
import { decodeListEntry, encodeListEntry, requeuedListEntry } from './redisListEntry.js';
import { listKeys, type ListKeys } from './redisListKeys.js';
import { RedisListOptionsError, type ResolvedRedisListOptions } from './redisListOptions.js';
import { transferEntry } from './redisListScripts.js';
import { within } from '../../domain/within.js';

export interface ConsumeListsDeps {
  /** The gateway's shared connection, for everything but the blocking moves. */
  readonly redis: Redis;
  /** A dedicated connection for this subscription's blocking moves; it must not reconnect (see below). */
  readonly blockingConnection: () => Redis;
  readonly clock: Clock;
  readonly options: ResolvedRedisListOptions;
  readonly deadLetterChannel: (channel: string) => string;
  /** True once the gateway is closing: the subscription then completes instead of failing. */
  readonly gatewayClosed: () => boolean;
  /** Lets the gateway's `close()` stop this consumer and wait for it; returns the unregistering. */
  readonly track: (stop: () => Promise<void>) => () => void;
}

let members = 0;

/**
 * One consumer of the channels' lists. All consumers of a list compete for its entries (a
 * `group` has no meaning for a list and is ignored). Each entry is taken with
 * `BLMOVE <list> <processing> RIGHT LEFT`: producers `LPUSH`, so that is FIFO, and the entry is
 * never only in this process's memory. Credit reaches Redis: no move is issued while `credit`
 * deliveries are unsettled, so the rest stays in the list for other consumers.
 *
 * Settling: `ack` removes the entry from the processing list; `retry` (after the delay) and
 * `deadLetter` move it out in one script, back to the consuming end of the list with its attempt
 * counted, or onto the dead-letter list with the dead-letter headers.
 *
 * A consumer that vanishes leaves a processing list behind: its liveness key expires and another
 * consumer's janitor puts the entries back (`listJanitor.ts`). Unsubscribing puts this consumer's
 * entries back at once. Aborting `options.signal` stops the moves and completes once the held
 * deliveries have settled. The blocking connection does not reconnect: a `BLMOVE` whose reply
 * was lost would otherwise leave an entry nobody holds; instead the subscription fails and its
 * teardown puts back everything in its processing list.
 */
export function consumeLists(deps: ConsumeListsDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const { redis, clock } = deps;
    const { keyPrefix, staleAfterMs, janitorIntervalMs, blockMs, janitorBatch } = deps.options;
    const { channels, credit } = options;
    if (channels.length === 0 || !(Number.isSafeInteger(credit) && credit >= 1)) {
      subscriber.error(new RedisListOptionsError(`consume needs at least one channel and a positive integer credit, got ${channels.length} channels and credit ${credit}`));
      return;
    }
    if (deps.gatewayClosed()) {
      subscriber.complete();
      return;
    }
    const consumer = `${hostname()}-${process.pid}-${++members}-${randomBytes(4).toString('hex')}`;
    const lists = [...new Set(channels)].map((channel) => listKeys(keyPrefix, channel, consumer));
    /** What this subscription holds unsettled, by a sequence number; its size is the credit in use. */
    const held = new Map<number, { list: ListKeys; raw: Buffer }>();
    const timers = new Set<TimerHandle>();
    const waiting = new Set<() => void>();
    const janitorCursors = new Map<string, string>();
    let sequence = 0;
    let closed = false;
    let draining = false;
    let blockingId: number | undefined;
    let blocking: Redis | undefined;
    let stopListening: () => void = () => undefined;
    let shutdown: Promise<void> | undefined;
    const stopped = () => closed || draining;

    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    /** Resolves on the next settlement or stop, or after `ms`. */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clock.clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = clock.setTimeout(done, ms);
        waiting.add(done);
      });
    /** Runs `work` every `ms` (never two at once) until the consumer stops; a failed run is retried next time. */
    const every = (ms: number, work: () => Promise<void>) => {
      const tick = () => {
        const timer = clock.setTimeout(() => {
          timers.delete(timer);
          if (closed) return;
          work().catch(() => undefined).finally(() => closed || tick());
        }, ms);
        timers.add(timer);
      };
      tick();
    };
    /** Cuts a `BLMOVE` short (it returns nil); whatever it had already moved still comes back as its reply. */
    const unblock = () => {
      if (blockingId !== undefined) redis.client('UNBLOCK', blockingId).catch(() => undefined);
    };
    const release = (ref: number) => {
      if (!held.delete(ref)) return;
      wakeAll();
      if (draining && !closed && held.size === 0) subscriber.complete();
    };

    const emit = (list: ListKeys, raw: Buffer) => {
      const ref = ++sequence;
      held.set(ref, { list, raw });
      const { message, attempt } = decodeListEntry(raw);
      const origin: Origin = {
        gateway: 'redis-list',
        channel: list.channel,
        // A list entry has no identity of its own: the digest of its body is what stays the same
        // across redeliveries (an entry put back is rewritten with its attempt count, its body is
        // not) and differs between entries, so it is what a plain payload's id is derived from.
        // Two byte-identical plain payloads on one list count as the same message.
        coordinates: { list: list.source, digest: createHash('sha256').update(message.body).digest('hex').slice(0, 32) },
        attempt,
        receivedAt: clock.now(),
      };
      const mine = () => {
        if (closed || !held.has(ref)) throw new RedisListDeliveryRevokedError(list.source);
      };
      const settleWith = async (work: () => Promise<unknown>) => {
        mine();
        try {
          await work();
        } catch (error) {
          // Redis refused it (gone, or restarting): the entry stays in the processing list, where
          // nobody would look while this consumer lives. So the subscription fails; its teardown
          // puts everything it holds back, and the application subscribes again.
          if (!stopped()) fail(error);
          throw error;
        }
        release(ref);
      };
      const putBack = async () => {
        if (closed || !held.has(ref)) return; // the teardown put it back already
        await transferEntry(redis, list.processing, list.source, 'RPUSH', raw, requeuedListEntry(raw));
        release(ref);
      };
      subscriber.next(
        createDelivery(message, origin, {
          // A removal that finds nothing means a janitor took us for gone and put the entry back:
          // it is delivered again, which at-least-once allows, so there is nothing to report.
          ack: () => settleWith(() => redis.lrem(list.processing, 1, raw)),
          // The entry stays in the processing list (holding its credit) until the delay is over.
          retry: async (delayMs) => {
            mine();
            const timer = clock.setTimeout(() => {
              timers.delete(timer);
              putBack().catch((error: unknown) => fail(error));
            }, Math.max(0, delayMs));
            timers.add(timer);
          },
          deadLetter: (reason: DeadLetterReason) =>
            settleWith(async () => {
              const headers = { ...message.headers, ...deadLetterHeaders(reason, origin, new Date(clock.now())) };
              const parked = encodeListEntry({ body: message.body, headers, key: message.key ?? '' });
              const deadLetters = keyPrefix + deps.deadLetterChannel(list.channel);
              await transferEntry(redis, list.processing, deadLetters, 'LPUSH', raw, parked);
            }),
        }),
      );
    };

    /** Takes entries while there is credit, round-robin over the lists; blocks only once all were empty. */
    const fetch = async () => {
      await heartbeat(redis, lists, consumer, staleAfterMs); // findable by janitors before anything is taken
      if (stopped()) return;
      const connection = (blocking = deps.blockingConnection());
      // It does not reconnect (see above): once it is gone, so is this subscription, even while
      // the loop waits for credit rather than for a reply.
      connection.once('end', () => {
        if (!stopped()) fail(new RedisListConnectionLostError());
      });
      blockingId = await connection.client('ID');
      if (stopped()) return;
      every(staleAfterMs / 3, () => heartbeat(redis, lists, consumer, staleAfterMs));
      every(janitorIntervalMs, () => reclaimGoneConsumers(redis, keyPrefix, lists, consumer, janitorBatch, janitorCursors));
      let turn = 0;
      let misses = 0;
      let ready = false;
      while (!stopped()) {
        if (held.size >= credit) {
          await pause(blockMs);
          continue;
        }
        const list = lists[turn++ % lists.length]!;
        const block = misses >= lists.length - 1;
        const reply = block
          ? connection.blmoveBuffer(list.source, list.processing, 'RIGHT', 'LEFT', blockMs / 1000)
          : connection.lmoveBuffer(list.source, list.processing, 'RIGHT', 'LEFT');
        if (!ready) {
          ready = true;
          options.onReady?.();
        }
        const raw = (await reply) as Buffer | null;
        if (raw === null) {
          misses = block ? 0 : misses + 1;
          continue;
        }
        misses = 0;
        // Taken as the stop came: back where it was, unchanged, as it was never handed out.
        if (stopped()) await transferEntry(redis, list.processing, list.source, 'RPUSH', raw, raw);
        else emit(list, raw);
      }
    };

    function fail(error: unknown) {
      if (closed) return;
      if (deps.gatewayClosed()) subscriber.complete();
      else subscriber.error(error);
    }
    function drain() {
      draining = true;
      unblock();
      wakeAll();
      if (held.size === 0) subscriber.complete();
    }

    const fetching = fetch().catch((error: unknown) => {
      if (!stopped()) fail(error); // a move cut short by a stop is no failure
    });

    /** Stops everything and puts every entry of this consumer's processing lists back on their lists. */
    const stop = () =>
      (shutdown ??= (async () => {
        closed = true;
        stopListening();
        for (const timer of timers) clock.clearTimeout(timer);
        timers.clear();
        wakeAll();
        unblock();
        // An UNBLOCK that overtook its BLMOVE finds nothing to cut short: send one more.
        await within(clock, fetching, 50);
        unblock();
        // Once its last reply is in, nothing more can arrive in the processing lists. A Redis that
        // does not answer gets a bound; what it moved then is reclaimed by a janitor later.
        await within(clock, fetching, blockMs + 1_000);
        blocking?.disconnect();
        held.clear();
        await redis.del(...lists.map((list) => list.liveness));
        for (const list of lists) {
          // Bounded: at most `credit` entries are ours, plus one whose reply a failure lost.
          for (let round = 0; round <= Math.ceil(credit / janitorBatch); round++) {
            if ((await reclaimConsumer(redis, keyPrefix, list.channel, consumer, janitorBatch)) <= 0) break;
          }
        }
      })()
        .catch(() => undefined) // Redis gone: the entries stay put and a janitor reclaims them later
        .finally(() => untrack()));
    const untrack = deps.track(() => {
      if (!subscriber.closed) subscriber.complete();
      return stop();
    });

    stopListening = onAbort(options.signal, drain);
    return () => void stop();
  });
}

/** The blocking connection of a list consumer was lost; the subscription ends so that it can be made again. */
export class RedisListConnectionLostError extends Error {
  override readonly name = 'RedisListConnectionLostError';
  constructor() {
    super('the connection of a redis list consumer was lost');
  }
}

/** The subscription that received this entry has ended and put the entry back on its list. */
export class RedisListDeliveryRevokedError extends Error {
  override readonly name = 'RedisListDeliveryRevokedError';
  constructor(list: string) {
    super(`an entry of ${list} was put back on its list when its consumer ended`);
  }
}
