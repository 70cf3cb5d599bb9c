import type { OrderChange } from '../actors/decideOrder.js';

/** Sends applied changes to real-time clients; resolves once they are on their way (or given up). */
export type Announce = (changes: readonly OrderChange[]) => Promise<void>;

/**
 * Where the pipeline hands each applied change for real-time clients. The handler awaits it
 * before the delivery is acked, so a change whose announcement died with the process still has
 * its delivery unacked: the redelivery is a duplicate, and announces it again (see
 * `OrderRecord.lastChanges`). The real-time side attaches itself once it is up; before that, and
 * without one, announcing does nothing.
 */
export class LiveAnnouncer {
  #sink: Announce | undefined;
  readonly #beforeAnnounce: () => void;

  /** `beforeAnnounce` runs before each announcement (the crash tests' `hub.before-publish`). */
  constructor(beforeAnnounce: () => void = () => undefined) {
    this.#beforeAnnounce = beforeAnnounce;
  }

  /** Sends every later announcement to `sink`; the returned function detaches it. */
  attach(sink: Announce): () => void {
    this.#sink = sink;
    return () => {
      if (this.#sink === sink) this.#sink = undefined;
    };
  }

  announce(changes: readonly OrderChange[]): Promise<void> {
    if (!this.#sink || changes.length === 0) return Promise.resolve();
    this.#beforeAnnounce();
    return this.#sink(changes);
  }
}
