import { describe, expect, it } from 'vitest';
import { TopicHistory } from '../../../src/actors/hub/topicHistory.js';

const entry = (seq: number) => ({ seq, ownerId: 'u', frame: `f${seq}` });

describe('topic history - what a resume can be given', () => {
  it('knows nothing before its first message, so any since needs a reset', () => {
    const history = new TopicHistory(3, 10);
    expect(history.replay('order:a', 0)).toEqual({ complete: false });
    history.record('order:a', entry(5));
    expect(history.replay('order:a', 4)).toEqual({ complete: true, entries: [entry(5)] });
    expect(history.replay('order:a', 3)).toEqual({ complete: false }); // 4 was before this hub started
    expect(history.replay('order:b', 4)).toEqual({ complete: true, entries: [] }); // b had nothing since 5
  });

  it('keeps the last perTopic frames and remembers the highest one dropped', () => {
    const history = new TopicHistory(2, 10);
    for (const seq of [1, 2, 3, 4]) history.record('t', entry(seq));
    expect(history.replay('t', 2)).toEqual({ complete: true, entries: [entry(3), entry(4)] });
    expect(history.replay('t', 1)).toEqual({ complete: false });
    expect(history.replay('t', 4)).toEqual({ complete: true, entries: [] });
    expect(history.lastSeq).toBe(4);
  });

  it('evicts the least recently written topic and never claims a complete replay for it afterwards', () => {
    const history = new TopicHistory(5, 2);
    history.record('a', entry(1));
    history.record('b', entry(2));
    history.record('a', entry(3));
    history.record('c', entry(4)); // evicts b, whose last frame was 2
    expect(history.topicCount).toBe(2);
    expect(history.replay('b', 1)).toEqual({ complete: false });
    expect(history.replay('b', 2)).toEqual({ complete: true, entries: [] });
    expect(history.replay('a', 0)).toEqual({ complete: true, entries: [entry(1), entry(3)] });
  });
});
