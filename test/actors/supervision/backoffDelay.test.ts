import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { backoffDelay } from '../../../src/actors/supervision/index.js';

describe('backoffDelay - exponential, capped, jitter only shortens', () => {
  it.prop([fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })])(
    'stays within [(1 - jitter) * exact, exact] where exact = min(maxMs, baseMs * 2^(attempt-1))',
    (baseMs, extra, jitter, attempt, random) => {
      const maxMs = baseMs + extra;
      const exact = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const delay = backoffDelay({ baseMs, maxMs, jitter }, attempt, () => random);
      expect(delay).toBeLessThanOrEqual(exact);
      expect(delay).toBeGreaterThanOrEqual(Math.floor((1 - jitter) * exact));
      expect(Number.isInteger(delay)).toBe(true);
    },
  );

  it.prop([fc.integer({ min: 1, max: 30 })])('without jitter, doubles from baseMs until maxMs', (attempt) => {
    expect(backoffDelay({ baseMs: 100, maxMs: 10_000, jitter: 0 }, attempt, Math.random)).toBe(Math.min(10_000, 100 * 2 ** (attempt - 1)));
  });
});
