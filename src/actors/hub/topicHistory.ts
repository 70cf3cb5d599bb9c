/** One delivered frame as the history keeps it: enough to replay it to a reconnecting session. */
export interface HistoryEntry {
  readonly seq: number;
  readonly ownerId: string;
  /**
   * The serialised `event` frame, exactly as live sessions get it; undefined when the event
   * cannot be serialised (such an entry is never sent).
   */
  readonly frame: string | undefined;
  /** The message's id, if it has one (see `HubMessage.id`). */
  readonly id?: string;
}

/** What the history can do for a session resuming a topic after `since`. */
export type Replay =
  /** Everything after `since` is here (possibly nothing). */
  | { readonly complete: true; readonly entries: readonly HistoryEntry[] }
  /** Something after `since` is no longer known: the session needs a snapshot and a reset marker. */
  | { readonly complete: false };

class Ring {
  /** Grows up to `capacity` as entries come (most topics, one order's, hold a few), then wraps. */
  readonly #items: HistoryEntry[] = [];
  #head = 0;
  /** Highest sequence number this topic ever forgot (dropped, or never saw). */
  droppedUpTo: number;

  constructor(
    readonly capacity: number,
    droppedUpTo: number,
  ) {
    this.droppedUpTo = droppedUpTo;
  }

  get #length(): number {
    return this.#items.length;
  }

  get lastSeq(): number {
    if (this.#length === 0) return this.droppedUpTo;
    return (this.#items[(this.#head + this.#length - 1) % this.#length] as HistoryEntry).seq;
  }

  push(entry: HistoryEntry): void {
    if (this.#length < this.capacity) {
      this.#items.push(entry);
      return;
    }
    const oldest = this.#items[this.#head] as HistoryEntry;
    this.droppedUpTo = Math.max(this.droppedUpTo, oldest.seq);
    this.#items[this.#head] = entry;
    this.#head = (this.#head + 1) % this.capacity;
  }

  has(id: string): boolean {
    for (let i = 0; i < this.#length; i += 1) if ((this.#items[(this.#head + i) % this.#length] as HistoryEntry).id === id) return true;
    return false;
  }

  after(since: number): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = 0; i < this.#length; i += 1) {
      const entry = this.#items[(this.#head + i) % this.#length] as HistoryEntry;
      if (entry.seq > since) out.push(entry);
    }
    return out;
  }
}

/**
 * The last `perTopic` frames of each of at most `maxTopics` topics, least recently written topic
 * evicted first. It remembers the highest sequence number it no longer has for each topic, and
 * for topics it has no record of at all (evicted, or published before this hub started), so that
 * `replay` can tell a complete replay from a history that no longer reaches back: it never
 * claims completeness it does not have.
 */
export class TopicHistory {
  /** Insertion order is recency order: a written topic is re-inserted at the end. */
  readonly #topics = new Map<string, Ring>();
  /**
   * Highest sequence number that may belong to a topic without a ring. Infinity until the first
   * message: before that this hub cannot know what it missed.
   */
  #unknownUpTo = Number.POSITIVE_INFINITY;
  #lastSeq = 0;

  constructor(
    readonly perTopic: number,
    readonly maxTopics: number,
  ) {
    if (!Number.isInteger(perTopic) || perTopic < 1) throw new RangeError('perTopic must be a positive integer');
    if (!Number.isInteger(maxTopics) || maxTopics < 1) throw new RangeError('maxTopics must be a positive integer');
  }

  /** Highest sequence number seen on any topic; 0 before the first. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  get topicCount(): number {
    return this.#topics.size;
  }

  /** Records one frame; `seq` values arrive increasing (the bus's order). */
  record(topic: string, entry: HistoryEntry): void {
    if (this.#unknownUpTo === Number.POSITIVE_INFINITY) this.#unknownUpTo = entry.seq - 1;
    if (entry.seq > this.#lastSeq) this.#lastSeq = entry.seq;
    let ring = this.#topics.get(topic);
    if (ring) {
      this.#topics.delete(topic);
    } else {
      if (this.#topics.size >= this.maxTopics) this.#evictOldest();
      ring = new Ring(this.perTopic, this.#unknownUpTo);
    }
    this.#topics.set(topic, ring);
    ring.push(entry);
  }

  /** Whether `topic`'s history still holds a message with this id (at most `perTopic` compared). */
  has(topic: string, id: string): boolean {
    return this.#topics.get(topic)?.has(id) ?? false;
  }

  /** What a session that has seen everything of `topic` up to `since` is missing. */
  replay(topic: string, since: number): Replay {
    const ring = this.#topics.get(topic);
    const floor = ring ? ring.droppedUpTo : this.#unknownUpTo;
    if (since < floor) return { complete: false };
    return { complete: true, entries: ring ? ring.after(since) : [] };
  }

  #evictOldest(): void {
    for (const [topic, ring] of this.#topics) {
      this.#topics.delete(topic);
      this.#unknownUpTo = Math.max(this.#unknownUpTo, ring.lastSeq);
      return;
    }
  }
}
