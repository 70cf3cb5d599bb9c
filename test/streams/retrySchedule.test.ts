import { describe, expect, it } from 'vitest';
import { InvalidRetryConfigError } from '../../src/streams/errors.js';
import { resolveRetryConfig, retrySchedule, type RetryConfig } from '../../src/streams/retrySchedule.js';

describe('retrySchedule - growth', () => {
  it('multiplies the delay by factor per failed attempt', () => {
    const delay = retrySchedule({ baseDelayMs: 100, factor: 2, jitter: 0 });
    expect([1, 2, 3, 4].map(delay)).toEqual([100, 200, 400, 800]);
    const slow = retrySchedule({ baseDelayMs: 100, factor: 1.5, jitter: 0 });
    expect([1, 2, 3].map(slow)).toEqual([100, 150, 225]);
  });

  it('caps the delay at maxDelayMs, even when the power overflows', () => {
    const delay = retrySchedule({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
    expect([4, 5, 6, 2000].map(delay)).toEqual([800, 1000, 1000, 1000]);
  });

  it('refuses an attempt that is not a positive integer', () => {
    expect(() => retrySchedule()(0)).toThrow(RangeError);
  });
});

describe('retrySchedule - jitter', () => {
  it('keeps every delay within [d * (1 - jitter), d] and is deterministic for a given random', () => {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      for (const jitter of [0, 0.3, 0.5, 1]) {
        const delay = retrySchedule({ baseDelayMs: 100, maxDelayMs: 5000, jitter, random: () => r });
        for (let attempt = 1; attempt <= 10; attempt++) {
          const d = Math.min(5000, 100 * 2 ** (attempt - 1));
          const got = delay(attempt);
          expect(got).toBeGreaterThanOrEqual(Math.floor(d * (1 - jitter)));
          expect(got).toBeLessThanOrEqual(d);
          expect(delay(attempt)).toBe(got);
        }
      }
    }
  });

  it('randomises the given fraction: equal jitter by default, full jitter at 1', () => {
    expect(retrySchedule({ baseDelayMs: 1000, random: () => 0.5 })(1)).toBe(750);
    expect(retrySchedule({ baseDelayMs: 1000, random: () => 0 })(1)).toBe(1000);
    expect(retrySchedule({ baseDelayMs: 1000, jitter: 1, random: () => 0.5 })(1)).toBe(500);
  });
});

describe('retrySchedule - config', () => {
  it('fills in the documented defaults', () => {
    const { random, ...rest } = resolveRetryConfig();
    expect(rest).toEqual({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, factor: 2, jitter: 0.5 });
    expect(random).toBe(Math.random);
  });

  const bad: Array<[RetryConfig, string]> = [
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 2.5 }, 'maxAttempts'],
    [{ baseDelayMs: 0 }, 'baseDelayMs'],
    [{ maxDelayMs: -5 }, 'maxDelayMs'],
    [{ baseDelayMs: 500, maxDelayMs: 100 }, 'baseDelayMs'],
    [{ factor: 0.5 }, 'factor'],
    [{ factor: Infinity }, 'factor'],
    [{ jitter: 1.5 }, 'jitter'],
    [{ jitter: Number.NaN }, 'jitter'],
  ];
  it.each(bad)('rejects %j with an InvalidRetryConfigError naming %s', (config, field) => {
    let caught: unknown;
    try {
      retrySchedule(config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRetryConfigError);
    expect(caught).toMatchObject({ name: 'InvalidRetryConfigError', field });
    expect((caught as Error).message).toContain(field);
  });
});
