import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionWatermark } from '../../../src/gateways/kafka/partitionWatermark.js';

describe('partition watermark', () => {
  it('commits only up to the lowest unsettled offset', () => {
    const w = new PartitionWatermark();
    for (const o of [10n, 11n, 12n]) w.open(o);
    expect(w.settle(11n)).toBeUndefined(); // 10 is still out: nothing can be committed past it
    expect(w.settle(10n)).toBe(12n); // 10 and 11 done: commit up to 12, which is still out
    expect(w.settle(12n)).toBe(13n);
    expect(w.outstanding).toBe(0);
  });

  it('never commits past a message still being retried, whatever the settle order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.infiniteStream(fc.nat()), (count, picks) => {
        const w = new PartitionWatermark();
        const open = Array.from({ length: count }, (_, i) => BigInt(100 + i));
        open.forEach((o) => w.open(o));
        const iterator = picks[Symbol.iterator]();
        while (open.length > 0) {
          const [offset] = open.splice(iterator.next().value % open.length, 1);
          w.settle(offset!);
          const lowestOpen = open.reduce<bigint | undefined>((m, o) => (m === undefined || o < m ? o : m), undefined);
          // Committing `next` means "everything below next is done": it must not pass an open offset.
          if (lowestOpen !== undefined) expect(w.next! <= lowestOpen).toBe(true);
        }
        expect(w.next).toBe(BigInt(100 + count));
      }),
    );
  });
});
