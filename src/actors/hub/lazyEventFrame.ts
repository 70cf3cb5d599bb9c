import type { HistoryEntry } from './topicHistory.js';
import { eventFrame } from './serverFrames.js';

/**
 * One bus message's `event`, serialised the first time a frame of it is needed and then kept: on
 * a hub with no session on the message's topics (an instance nobody watches, or a topic nobody
 * follows) it never is. Serialising every change for nobody cost about 3 % of the pipeline's
 * main thread in the overload run's CPU profile (BENCHMARKS.md).
 */
export class EventJson {
  #json: string | undefined | null = null;
  /** Let go once serialised: the history keeps the text, not the object beside it. */
  #event: unknown;

  constructor(
    event: unknown,
    /** Counts, once, a message whose event cannot be serialised (a bigint, a cycle). */
    private readonly stats: { unserialisable: number },
  ) {
    this.#event = event;
  }

  /** The JSON text, or undefined when the event cannot be serialised. */
  get(): string | undefined {
    if (this.#json === null) {
      try {
        this.#json = JSON.stringify(this.#event);
      } catch {
        this.#json = undefined;
      }
      this.#event = undefined;
      if (this.#json === undefined) this.stats.unserialisable += 1;
    }
    return this.#json;
  }
}

/** One topic's history entry for a message: its `event` frame is built on first read, once. */
export class LazyEventFrame implements HistoryEntry {
  #frame: string | undefined | null = null;

  constructor(
    readonly topic: string,
    readonly seq: number,
    readonly ownerId: string,
    readonly id: string | undefined,
    private readonly json: EventJson,
  ) {}

  get frame(): string | undefined {
    if (this.#frame === null) {
      const json = this.json.get();
      this.#frame = json === undefined ? undefined : eventFrame(this.topic, this.seq, json);
    }
    return this.#frame;
  }
}
