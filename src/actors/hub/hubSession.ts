import { mayRead, type Principal } from '../../domain/principal.js';
import type { Clock } from '../../domain/clock.js';
import { errorFrame } from './serverFrames.js';
import type { ServerFrameType, SessionTransport } from './sessionTransport.js';
import { TokenBucket } from './tokenBucket.js';

/** Close codes a session ends with. */
export const CLOSE_TOO_SLOW = 1013; // "try again later": the client fell behind
export const CLOSE_POLICY = 1008; // flood
export const CLOSE_GOING_AWAY = 1001; // the hub stops
export const CLOSE_SERVICE_RESTART = 1012; // the cluster bus is gone

export interface SessionLimits {
  /** Frames queued while the transport says its buffer is full; one more and the client is cut off. */
  readonly sendQueueFrames: number;
  /** Most bytes the transport may hold unsent; past it the client is cut off. */
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  readonly rateBurst: number;
  readonly ratePerSecond: number;
  /** Refused (rate-limited) frames in a row before the connection is closed with 1008. */
  readonly maxRateViolations: number;
}

interface Queued {
  readonly frame: string;
  readonly type: ServerFrameType;
  readonly seq: number | undefined;
}


let nextSessionId = 1;

/**
 * One connection's state: its subscriptions, its own bounded send queue and its inbound rate
 * limit. Writing never waits: a frame goes to the transport, or to the queue while the transport
 * is full, and a session that falls behind by `sendQueueFrames` frames or `maxBufferedBytes`
 * bytes is closed with 1013 on the spot, so the hub and every other session go on.
 */
export class HubSession {
  readonly id = nextSessionId++;
  /** Subscribed topics, each with the last sequence number the session was given on it. */
  readonly subscriptions = new Map<string, number>();
  /**
   * Subscriptions being checked (async owner lookup, snapshot), each with a token so a stale
   * answer is ignored. Made on first use: most connections have none most of the time, and ten
   * thousand empty maps are two megabytes.
   */
  #pending: Map<string, number> | undefined;
  readonly #queue: Queued[] = [];
  #queueHead = 0;
  #paused = false;
  #closed = false;
  #violations = 0;
  /** The close code the hub ended the session with; undefined while open or when the peer left. */
  endedWith: number | undefined;
  readonly #bucket: TokenBucket;

  constructor(
    readonly principal: Principal,
    readonly transport: SessionTransport,
    readonly limits: SessionLimits,
    clock: Pick<Clock, 'now'>,
    /** Called once when the session ends for any reason, so the hub forgets it. */
    readonly onGone: (session: HubSession) => void,
  ) {
    this.#bucket = new TokenBucket(limits.rateBurst, limits.ratePerSecond, clock);
  }

  pendingToken(topic: string): number | undefined {
    return this.#pending?.get(topic);
  }

  setPending(topic: string, token: number): void {
    (this.#pending ??= new Map()).set(topic, token);
  }

  /** Forgets a pending subscription; true if there was one. */
  clearPending(topic: string): boolean {
    return this.#pending?.delete(topic) ?? false;
  }

  get pendingCount(): number {
    return this.#pending?.size ?? 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get queuedFrames(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** The event fan-out's hot path: one topic's frame, written if this session may and should see it. */
  deliver(topic: string, seq: number, ownerId: string, frame: string): void {
    const lastSeq = this.subscriptions.get(topic);
    if (lastSeq === undefined || seq <= lastSeq) return;
    if (!mayRead(this.principal, ownerId)) return;
    this.subscriptions.set(topic, seq);
    this.write(frame, 'event', seq);
  }

  write(frame: string, type: ServerFrameType, seq?: number): void {
    if (this.#closed) return;
    if (this.#paused || this.queuedFrames > 0) {
      if (this.queuedFrames >= this.limits.sendQueueFrames) return this.cutOff(CLOSE_TOO_SLOW, `send queue full (${this.limits.sendQueueFrames} frames)`);
      this.#queue.push({ frame, type, seq });
      return;
    }
    this.#send(frame, type, seq);
  }

  error(code: string, message: string, topic?: string): void {
    this.write(errorFrame(code, message, topic), 'error');
  }

  /** Counts one inbound frame against the rate limit; false means drop it (an error frame has been sent). */
  admit(): boolean {
    if (this.#bucket.take()) {
      this.#violations = 0;
      return true;
    }
    this.#violations += 1;
    if (this.#violations > this.limits.maxRateViolations) {
      this.cutOff(CLOSE_POLICY, 'rate limit exceeded');
    } else {
      this.error('rate_limited', `more than ${this.limits.ratePerSecond} frames per second; frame dropped`);
    }
    return false;
  }

  /** The transport can take more: write what waited. */
  drained(): void {
    this.#paused = false;
    while (!this.#closed && !this.#paused && this.queuedFrames > 0) {
      const next = this.#queue[this.#queueHead] as Queued;
      this.#queueHead += 1;
      this.#send(next.frame, next.type, next.seq);
    }
    if (this.queuedFrames === 0) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    } else if (this.#queueHead >= this.limits.sendQueueFrames) {
      // Still behind: drop the written prefix so the array stays within twice the bound.
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** Ends the session and closes its connection with `code`. Idempotent. */
  cutOff(code: number, reason: string): void {
    if (this.#closed) return;
    this.endedWith = code;
    this.#end();
    this.transport.close(code, reason);
  }

  /** The connection is already gone (peer closed): forget everything. Idempotent. */
  gone(): void {
    if (!this.#closed) this.#end();
  }

  #send(frame: string, type: ServerFrameType, seq: number | undefined): void {
    if (this.transport.bufferedAmount > this.limits.maxBufferedBytes) {
      return this.cutOff(CLOSE_TOO_SLOW, `client too slow (more than ${this.limits.maxBufferedBytes} bytes unsent)`);
    }
    if (!this.transport.send(frame, type, seq)) this.#paused = true;
  }

  #end(): void {
    this.#closed = true;
    this.#pending = undefined;
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.onGone(this);
  }
}
