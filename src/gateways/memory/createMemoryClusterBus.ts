import { Subject } from 'rxjs';
import type { ClusterBus } from '../../actors/hub/clusterBus.js';
import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';

export interface MemoryClusterBusOptions {
  /**
   * Messages published and not yet handed to subscribers. Delivery runs on a microtask, so the
   * publisher's call stack never runs the hubs' fan-out; past this bound `publish` rejects with
   * `ClusterBusFullError` instead of buffering without end. @default 10_000
   */
  readonly maxPending?: number;
  /**
   * The first sequence number is `firstSeq` (`since: firstSeq - 1` means "from the beginning").
   * By default it comes from the clock, microseconds since the epoch, so that a restarted process
   * goes on above what its clients saw before the restart instead of starting again at 1, which
   * would make their `since` look ahead of the hub. @default Date.now() * 1000
   */
  readonly firstSeq?: number;
}

/** The in-process bus has more undelivered messages than `maxPending`. */
export class ClusterBusFullError extends Error {
  override readonly name = 'ClusterBusFullError';
  constructor(readonly maxPending: number) {
    super(`in-process cluster bus full: ${maxPending} messages not yet delivered`);
  }
}

/** `publish` after `close()`. */
export class ClusterBusClosedError extends Error {
  override readonly name = 'ClusterBusClosedError';
  constructor() {
    super('cluster bus is closed');
  }
}

/**
 * The embedded default: one process is the whole cluster. A counter gives the sequence numbers;
 * messages reach subscribers in sequence order on a microtask after `publish` resolved its number.
 */
export function createMemoryClusterBus(options: MemoryClusterBusOptions = {}): ClusterBus {
  const maxPending = options.maxPending ?? 10_000;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new RangeError('maxPending must be a positive integer');
  const subject = new Subject<SequencedHubMessage>();
  let pending: SequencedHubMessage[] = [];
  const firstSeq = options.firstSeq ?? Date.now() * 1000;
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new RangeError('firstSeq must be a positive safe integer');
  let seq = firstSeq - 1;
  let closed = false;

  const flush = () => {
    const batch = pending;
    pending = [];
    // A subscriber that throws is the subscriber's problem: RxJS reports it asynchronously and
    // the other subscribers still get the message.
    for (const message of batch) if (!closed) subject.next(message);
  };

  return {
    messages$: subject.asObservable(),
    publish(message: HubMessage): Promise<number> {
      if (closed) return Promise.reject(new ClusterBusClosedError());
      if (pending.length >= maxPending) return Promise.reject(new ClusterBusFullError(maxPending));
      seq += 1;
      if (pending.length === 0) queueMicrotask(flush);
      const { topics, ownerId, event, id } = message;
      pending.push(id === undefined ? { topics, ownerId, event, seq } : { topics, ownerId, event, id, seq });
      return Promise.resolve(seq);
    },
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        pending = [];
        subject.complete();
      }
      return Promise.resolve();
    },
  };
}
