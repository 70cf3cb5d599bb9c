import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, readNdjson, type JournalEntry } from './journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const journalPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-journal-'));
  dirs.push(dir);
  return join(dir, 'journal.ndjson');
};
const entry = (n: number): JournalEntry => ({ id: `evt-${n}`, orderId: `ord-${n % 7}`, userId: 'user-1', seq: n, kind: 'event', type: 'order.created', data: { n }, confirmedAt: n });

describe('openJournal', () => {
  it('asks the writer to wait once its buffer is full, and keeps every entry in order', async () => {
    const path = journalPath();
    const journal = openJournal(path);
    let waits = 0;
    // About 130 bytes a line: far past the file stream's 16 KiB high-water mark if nothing waits.
    for (let n = 1; n <= 2000; n++) {
      const full = journal.write(entry(n));
      if (full) {
        waits++;
        await full;
      }
    }
    await journal.close();
    expect(waits).toBeGreaterThan(0);
    const read = await readNdjson<JournalEntry>(path);
    expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('gives the writers that find the buffer full one shared wait, not a drain listener each', async () => {
    const path = journalPath();
    const journal = openJournal(path);
    const waits = new Set<Promise<void>>();
    // 128 writers at once, as the overload run's producer has: Node warns past 10 listeners.
    for (let n = 1; n <= 2000; n++) {
      const full = journal.write(entry(n));
      if (full) waits.add(full);
    }
    expect(waits.size).toBe(1);
    await Promise.all(waits);
    await journal.close();
    expect(await readNdjson<JournalEntry>(path)).toHaveLength(2000);
  });

  it('takes a line without waiting while there is room', async () => {
    const path = journalPath();
    const journal = openJournal(path);
    expect(journal.write(entry(1))).toBeUndefined();
    await journal.close();
    expect(await readNdjson<JournalEntry>(path)).toEqual([entry(1)]);
  });
});
