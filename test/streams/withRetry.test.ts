import { describe, expect, it } from 'vitest';
import { BackpressureError, InvalidRetryConfigError, PermanentError } from '../../src/streams/errors.js';
import { withRetry, type RetryResult } from '../../src/streams/withRetry.js';
import { FakeClock } from '../support/fakeClock.js';
import { flush } from './fakeDelivery.js';

function setup(maxAttempts = 3) {
  const clock = new FakeClock();
  const retry = withRetry({ maxAttempts, baseDelayMs: 100, jitter: 0, clock });
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  return { clock, retry, advance };
}

/** Starts `run` and exposes its result once settled, without awaiting it. */
function track<R>(run: Promise<RetryResult<R>>) {
  const state: { result?: RetryResult<R> } = {};
  void run.then((r) => (state.result = r));
  return state;
}

describe('withRetry - transient failures', () => {
  it('retries up to maxAttempts, waiting the schedule on the clock between attempts', async () => {
    const { clock, retry, advance } = setup(3);
    const boom = new Error('store down');
    const seen: number[] = [];
    const state = track(retry(async (attempt) => (seen.push(attempt), Promise.reject(boom))));
    await flush();
    expect(seen).toEqual([1]);
    await advance(99);
    expect(seen).toEqual([1]);
    await advance(1);
    expect(seen).toEqual([1, 2]);
    await advance(200);
    expect(seen).toEqual([1, 2, 3]);
    expect(state.result).toEqual({ ok: false, error: boom, attempts: 3, permanent: false });
    expect(clock.pending).toBe(0);
  });

  it('returns the value of the first attempt that succeeds', async () => {
    const { retry, advance } = setup(5);
    const state = track(retry(async (attempt) => (attempt < 3 ? Promise.reject(new Error('flaky')) : `ok@${attempt}`)));
    await flush();
    await advance(100);
    await advance(200);
    expect(state.result).toEqual({ ok: true, value: 'ok@3', attempts: 3 });
  });

  it('never rejects, even when the attempt throws synchronously', async () => {
    const { retry } = setup(1);
    const boom = new Error('sync');
    const result = await retry(() => {
      throw boom;
    });
    expect(result).toEqual({ ok: false, error: boom, attempts: 1, permanent: false });
  });
});

describe('withRetry - permanent failures', () => {
  it('stops at once on a PermanentError', async () => {
    const { clock, retry } = setup(5);
    const refusal = new PermanentError('forbidden-transition', 'already shipped');
    let calls = 0;
    const result = await retry(async () => (calls++, Promise.reject(refusal)));
    expect(calls).toBe(1);
    expect(result).toEqual({ ok: false, error: refusal, attempts: 1, permanent: true });
    expect(clock.pending).toBe(0);
  });
});

describe('withRetry - back-pressure', () => {
  it('waits out a BackpressureError as long as it lasts without using up attempts, backing off as it goes', async () => {
    const { clock, retry, advance } = setup(2);
    const full = new BackpressureError('outbox full');
    const seen: number[] = [];
    let calls = 0;
    // Ten refusals for a full buffer, then one transient failure, then success: 2 attempts suffice.
    const state = track(retry(async (attempt) => (seen.push(attempt), ++calls <= 10 ? Promise.reject(full) : calls === 11 ? Promise.reject(new Error('flaky')) : 'stored')));
    await flush();
    for (let i = 0; i < 12 && !state.result; i++) await advance(100_000);
    expect(state.result).toEqual({ ok: true, value: 'stored', attempts: 2 });
    expect(seen).toEqual([...Array<number>(11).fill(1), 2]);
    expect(clock.pending).toBe(0);
  });

  it('backs off between back-pressure waits: 100, 200, 400 ms', async () => {
    const { retry, advance } = setup(1);
    const full = new BackpressureError('outbox full');
    let calls = 0;
    track(retry(async () => (calls++, Promise.reject(full))));
    await flush();
    await advance(99);
    expect(calls).toBe(1);
    await advance(1);
    expect(calls).toBe(2);
    await advance(199);
    expect(calls).toBe(2);
    await advance(1);
    expect(calls).toBe(3);
    await advance(400);
    expect(calls).toBe(4);
  });

  it('a shutdown ends the wait: the failure comes back as aborted, not final', async () => {
    const { clock, retry } = setup(1);
    const full = new BackpressureError('outbox full');
    const shutdown = new AbortController();
    const state = track(retry(async () => Promise.reject(full), { signal: shutdown.signal }));
    await flush();
    shutdown.abort();
    await flush();
    expect(state.result).toEqual({ ok: false, error: full, attempts: 1, permanent: false, aborted: true });
    expect(clock.pending).toBe(0);
  });
});

describe('withRetry - abort', () => {
  it('stops waiting on abort, clears the timer and returns the last failure as aborted', async () => {
    const { clock, retry } = setup(5);
    const boom = new Error('store down');
    const shutdown = new AbortController();
    let calls = 0;
    const state = track(retry(async () => (calls++, Promise.reject(boom)), { signal: shutdown.signal }));
    await flush();
    expect(clock.pending).toBe(1);
    shutdown.abort();
    await flush();
    expect(state.result).toEqual({ ok: false, error: boom, attempts: 1, permanent: false, aborted: true });
    expect(calls).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('still runs the first attempt when already aborted, but never waits after it', async () => {
    const { clock, retry } = setup(5);
    const signal = AbortSignal.abort();
    expect(await retry(async () => 'done', { signal })).toEqual({ ok: true, value: 'done', attempts: 1 });
    const failed = await retry(() => Promise.reject(new Error('x')), { signal });
    expect(failed).toMatchObject({ ok: false, attempts: 1, aborted: true });
    expect(clock.pending).toBe(0);
  });
});

describe('withRetry - config', () => {
  it('validates the retry config when built', () => {
    expect(() => withRetry({ maxAttempts: 0 })).toThrow(InvalidRetryConfigError);
  });
});
