import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../domain/clock.js';
import { createDelivery } from '../../streams/createDelivery.js';
import { deadLetterHeaders } from '../../streams/deadLetterHeaders.js';
import type { DeadLetterReason, Delivery, Origin } from '../../streams/delivery.js';
import type { ConsumeOptions, OutboundMessage } from '../../streams/source.js';
import { fromStreamFields } from './redisStreamMessage.js';

export interface ConsumeStreamsDeps {
  readonly redis: Redis;
  readonly clock: Clock;
  /** An entry held by a consumer that went away is taken over after it has been idle this long. */
  readonly claimIdleMs: number;
  readonly publish: (stream: string, message: OutboundMessage) => Promise<void>;
  readonly deadLetterStream: (stream: string) => string;
}

type Entry = [id: string, fields: string[]];
let members = 0;

/**
 * A member of a Redis consumer group over the streams: `XREADGROUP ... COUNT <room>` on a
 * dedicated blocking connection, where room is the credit left, so Redis never hands over more
 * than the credit. Entries a member that went away left pending are taken over with
 * `XAUTOCLAIM` once idle for `claimIdleMs` (checked before every read). A retry re-emits the
 * entry after its delay; it stays pending meanwhile. Every blocking read is bounded (1 s) so
 * unsubscribing and draining end promptly.
 */
export function consumeStreams(deps: ConsumeStreamsDeps, options: ConsumeOptions): Observable<Delivery> {
  return new Observable<Delivery>((subscriber) => {
    const consumer = `${hostname()}-${process.pid}-${++members}`;
    const blocking = deps.redis.duplicate();
    blocking.on('error', () => undefined); // reported through the failed read instead
    const held = new Set<string>();
    const timers = new Set<TimerHandle>();
    const waiting = new Set<() => void>();
    let closed = false;
    let draining = false;

    const wakeAll = () => {
      for (const resume of waiting) resume();
      waiting.clear();
    };
    const release = (ref: string) => {
      held.delete(ref);
      wakeAll();
      if (draining && held.size === 0) subscriber.complete();
    };

    const emit = (stream: string, [id, fields]: Entry, attempt: number) => {
      const ref = `${stream} ${id}`;
      held.add(ref);
      const inbound = fromStreamFields(fields);
      const origin: Origin = { gateway: 'redis', channel: stream, coordinates: { stream, id }, attempt, receivedAt: deps.clock.now() };
      const settled = async (work: () => Promise<unknown>) => {
        if (closed || !held.has(ref)) throw new RedisDeliveryRevokedError(stream, id);
        await work();
        release(ref);
      };
      subscriber.next(
        createDelivery(inbound, origin, {
          ack: () => settled(() => deps.redis.xack(stream, options.group, id)),
          retry: async (delayMs) => {
            if (closed || !held.has(ref)) throw new RedisDeliveryRevokedError(stream, id);
            const timer = deps.clock.setTimeout(() => {
              timers.delete(timer);
              held.delete(ref);
              if (!closed) emit(stream, [id, fields], attempt + 1);
            }, Math.max(0, delayMs));
            timers.add(timer);
          },
          deadLetter: (reason: DeadLetterReason) =>
            settled(async () => {
              const headers = { ...inbound.headers, ...deadLetterHeaders(reason, origin, new Date(deps.clock.now())) };
              await deps.publish(deps.deadLetterStream(stream), { body: inbound.body, headers, key: inbound.key ?? '' });
              await deps.redis.xack(stream, options.group, id);
            }),
        }),
      );
    };

    const room = () => options.credit - held.size;

    const takeOver = async () => {
      for (const stream of options.channels) {
        if (room() <= 0) return;
        const [, entries] = (await deps.redis.xautoclaim(stream, options.group, consumer, deps.claimIdleMs, '0-0', 'COUNT', room())) as [string, Entry[]];
        for (const entry of entries) if (!held.has(`${stream} ${entry[0]}`) && !closed && !draining) emit(stream, entry, 2);
      }
    };

    (async () => {
      for (const stream of options.channels) {
        // A new group starts from the earliest entry the stream still has.
        await deps.redis.xgroup('CREATE', stream, options.group, '0', 'MKSTREAM').catch((error: unknown) => {
          if (!String(error).includes('BUSYGROUP')) throw error;
        });
      }
      if (options.signal?.aborted) return drain();
      options.signal?.addEventListener('abort', drain, { once: true });
      while (!closed && !draining) {
        if (room() <= 0) {
          await new Promise<void>((resume) => waiting.add(resume));
          continue;
        }
        await takeOver();
        if (room() <= 0 || closed || draining) continue;
        const reply = (await blocking.xreadgroup(
          'GROUP', options.group, consumer, 'COUNT', room(), 'BLOCK', 1000, 'STREAMS', ...options.channels, ...options.channels.map(() => '>'),
        )) as [string, Entry[]][] | null;
        for (const [stream, entries] of reply ?? []) for (const entry of entries) if (!closed) emit(stream, entry, 1);
      }
    })().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    function drain() {
      draining = true;
      wakeAll();
      if (held.size === 0) subscriber.complete();
    }

    return () => {
      closed = true;
      options.signal?.removeEventListener('abort', drain);
      for (const timer of timers) deps.clock.clearTimeout(timer);
      timers.clear();
      wakeAll();
      // Pending entries stay in the group's pending list; another member claims them once idle.
      blocking.disconnect();
    };
  });
}

/** The subscription that received this entry has ended; another member will claim it. */
export class RedisDeliveryRevokedError extends Error {
  override readonly name = 'RedisDeliveryRevokedError';
  constructor(stream: string, id: string) {
    super(`entry ${id} of ${stream} was left to the group when its consumer ended`);
  }
}
