import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * One publish the broker confirmed (the gateway's `publish` resolved), one NDJSON line. A
 * duplicate repeats an earlier line's `id`; an invalid message is there so that the oracle can
 * demand its dead letter. What was never confirmed is not in the journal.
 */
export interface JournalEntry {
  /** CloudEvent id (the dedup key); a duplicate repeats its original's. */
  readonly id: string;
  readonly orderId: string;
  /** Owner of the order, for the real-time check. */
  readonly userId: string;
  /** Publish sequence within the order, from 1; the order the producer meant its events to apply in. */
  readonly seq: number;
  readonly kind: 'event' | 'duplicate' | 'invalid';
  /** Event type; for an invalid message, what it claims to be. */
  readonly type: string;
  /** The event's data as published (valid events and duplicates only). */
  readonly data?: unknown;
  /** Epoch ms when the broker confirmed it. */
  readonly confirmedAt: number;
}

/** Appends entries to an NDJSON file as the broker confirms them; `close` flushes. */
export interface JournalWriter {
  /**
   * Undefined when the file took the line; otherwise the file's buffer is over its high-water
   * mark and the promise resolves once it drained. The producer waits for it, so a slow disk
   * slows the producer instead of growing the buffer (the entries live only on disk).
   */
  write(entry: JournalEntry): Promise<void> | undefined;
  close(): Promise<void>;
}

export function openJournal(path: string): JournalWriter {
  const out = createWriteStream(path, { flags: 'w' });
  let closing: Promise<void> | undefined;
  /** One wait for the drain, shared by every writer that found the buffer full (not a listener each). */
  let drained: Promise<void> | undefined;
  return {
    write: (entry) => {
      if (out.write(`${JSON.stringify(entry)}\n`)) return undefined;
      return (drained ??= once(out, 'drain').then(() => {
        drained = undefined;
      }));
    },
    close: () =>
      (closing ??= (async () => {
        out.end();
        await once(out, 'finish');
      })()),
  };
}

/** Every line of an NDJSON file, parsed, in file order. */
export async function readNdjson<T>(path: string): Promise<T[]> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  const found: T[] = [];
  for await (const line of lines) if (line.trim() !== '') found.push(JSON.parse(line) as T);
  return found;
}
