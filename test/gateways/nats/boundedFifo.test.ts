import { describe, expect, it } from 'vitest';
import { BoundedFifo } from '../../../src/gateways/nats/boundedFifo.js';

describe('BoundedFifo - bound and order', () => {
  it('refuses past capacity, keeps nothing it refused, and gives back in arrival order', () => {
    const fifo = new BoundedFifo<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => fifo.push(n))).toEqual([true, true, true, false, false]);
    expect(fifo.length).toBe(3);
    expect([fifo.shift(), fifo.shift()]).toEqual([1, 2]);
    expect(fifo.push(6)).toBe(true);
    expect([fifo.shift(), fifo.shift(), fifo.shift()]).toEqual([3, 6, undefined]);
  });

  it('stays in order and within bound through many cycles (compaction included)', () => {
    const fifo = new BoundedFifo<number>(100);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 500; round++) {
      while (fifo.push(next)) next++;
      expect(fifo.length).toBe(100);
      for (let i = 0; i < 37; i++) expect(fifo.shift()).toBe(expected++);
    }
  });

  it('clear says how many it dropped; capacity 0 keeps nothing', () => {
    const fifo = new BoundedFifo<string>(4);
    fifo.push('a');
    fifo.push('b');
    expect(fifo.clear()).toBe(2);
    expect(fifo.shift()).toBeUndefined();
    const none = new BoundedFifo<string>(0);
    expect(none.push('x')).toBe(false);
    expect(none.length).toBe(0);
  });
});
