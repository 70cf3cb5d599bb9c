import { Subject, filter, pipe } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/envelope.js';
import type { Delivery } from '../../src/streams/delivery.js';
import { InvalidRetryConfigError, InvalidRunByKeyConfigError, PermanentError } from '../../src/streams/errors.js';
import type { HandlerOutcome } from '../../src/streams/handlerOutcome.js';
import { processDeliveries, type ProcessConfig } from '../../src/streams/processDeliveries.js';
import type { SettledRecord } from '../../src/streams/settle.js';
import { FakeClock } from '../support/fakeClock.js';
import { fakeDelivery, flush, stubDecode } from './fakeDelivery.js';

type Handler = (envelope: Envelope, attempt: number) => Promise<HandlerOutcome>;

function setup(handler: Handler, config: Partial<ProcessConfig> = {}) {
  const clock = new FakeClock();
  const source = new Subject<Delivery>();
  const records: SettledRecord[] = [];
  let completed = false;
  let failure: unknown;
  const subscription = source
    .pipe(processDeliveries({ decode: stubDecode, clock, retry: { maxAttempts: 3, baseDelayMs: 100, jitter: 0 }, ...config }, handler))
    .subscribe({ next: (r) => records.push(r), error: (e: unknown) => (failure = e), complete: () => (completed = true) });
  const deliver = (key: string, id: string) => {
    const fake = fakeDelivery({ key, id });
    source.next(fake.delivery);
    return fake;
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  const settledIds = () => records.map((r) => r.delivery.message.headers['ce-id']);
  return {
    clock, source, records, subscription, deliver, advance, settledIds,
    get completed() { return completed; },
    get failure() { return failure; },
  };
}

describe('processDeliveries - keyed retries', () => {
  it('delays only the failing key during backoff while other keys complete', async () => {
    const calls: string[] = [];
    const h = setup(async (envelope, attempt) => {
      calls.push(`${envelope.id}#${attempt}`);
      if (envelope.id === 'a1' && attempt === 1) throw new Error('store busy');
      return { kind: 'done' };
    });
    const a1 = h.deliver('A', 'a1');
    const a2 = h.deliver('A', 'a2');
    const b1 = h.deliver('B', 'b1');
    await flush();
    expect(calls).toEqual(['a1#1', 'b1#1']);
    expect(b1.calls).toEqual([{ kind: 'ack' }]);
    expect(a1.calls).toEqual([]);
    expect(a2.calls).toEqual([]);
    const b2 = h.deliver('B', 'b2');
    await flush();
    expect(b2.calls).toEqual([{ kind: 'ack' }]);

    await h.advance(100);
    expect(calls).toEqual(['a1#1', 'b1#1', 'b2#1', 'a1#2', 'a2#1']);
    expect(a1.calls).toEqual([{ kind: 'ack' }]);
    expect(a2.calls).toEqual([{ kind: 'ack' }]);
    expect(h.settledIds()).toEqual(['b1', 'b2', 'a1', 'a2']);
    expect(h.records.find((r) => r.delivery === a1.delivery)?.attempts).toBe(2);
  });

  it('dead-letters a permanent error at once, without retry', async () => {
    let calls = 0;
    const h = setup(async () => {
      calls++;
      throw new PermanentError('forbidden-transition', 'cannot pay a cancelled order');
    });
    const a1 = h.deliver('A', 'a1');
    await flush();
    expect(calls).toBe(1);
    expect(h.clock.pending).toBe(0);
    expect(a1.calls).toEqual([
      {
        kind: 'deadLetter',
        reason: { code: 'forbidden-transition', message: 'cannot pay a cancelled order', error: 'PermanentError: cannot pay a cancelled order', attempts: 1 },
      },
    ]);
  });

  it('dead-letters a reject outcome, and a transient failure past maxAttempts as max-attempts', async () => {
    const h = setup(async (envelope) => {
      if (envelope.key === 'R') return { kind: 'reject', code: 'validation', message: 'total mismatch' };
      throw new Error('store down');
    });
    const r1 = h.deliver('R', 'r1');
    const t1 = h.deliver('T', 't1');
    await flush();
    await h.advance(100);
    await h.advance(200);
    expect(r1.calls).toEqual([{ kind: 'deadLetter', reason: { code: 'validation', message: 'total mismatch', attempts: 1 } }]);
    expect(t1.calls).toEqual([
      { kind: 'deadLetter', reason: { code: 'max-attempts', message: 'gave up after 3 attempts', error: 'Error: store down', attempts: 3 } },
    ]);
  });

  it('emits nothing for deliveries the decode step parks itself', async () => {
    const h = setup(async () => ({ kind: 'done' }), {
      decode: pipe(filter((d: Delivery) => d.message.key !== 'bad'), stubDecode),
    });
    h.deliver('bad', 'x1');
    h.deliver('A', 'a1');
    await flush();
    expect(h.settledIds()).toEqual(['a1']);
  });
});

describe('processDeliveries - lifetime', () => {
  it('completes after the source completes and every delivery has settled', async () => {
    const h = setup(async (envelope, attempt) => {
      if (attempt === 1) throw new Error('flaky');
      return { kind: 'done' };
    });
    h.deliver('A', 'a1');
    h.source.complete();
    await flush();
    expect(h.completed).toBe(false);
    await h.advance(100);
    expect(h.completed).toBe(true);
    expect(h.settledIds()).toEqual(['a1']);
  });

  it('on shutdown abort hands a backing-off delivery and the rest of its key back with retry(0); other keys finish', async () => {
    const shutdown = new AbortController();
    const calls: string[] = [];
    const h = setup(
      async (envelope) => {
        calls.push(envelope.id);
        if (envelope.key === 'A') throw new Error('store busy');
        return { kind: 'done' };
      },
      { signal: shutdown.signal },
    );
    const a1 = h.deliver('A', 'a1');
    const a2 = h.deliver('A', 'a2');
    const b1 = h.deliver('B', 'b1');
    await flush();
    expect(h.clock.pending).toBe(1);
    shutdown.abort();
    await flush();
    expect(a1.calls).toEqual([{ kind: 'retry', delayMs: 0 }]);
    expect(a2.calls).toEqual([{ kind: 'retry', delayMs: 0 }]);
    expect(b1.calls).toEqual([{ kind: 'ack' }]);
    expect(calls).toEqual(['a1', 'b1']);
    expect(h.records.find((r) => r.delivery === a2.delivery)?.attempts).toBe(0);
    expect(h.clock.pending).toBe(0);
    expect(h.failure).toBeUndefined();
  });

  it('on unsubscribe cancels every retry timer and releases the source', async () => {
    const h = setup(async () => {
      throw new Error('store down');
    });
    h.deliver('A', 'a1');
    h.deliver('A', 'a2');
    await flush();
    expect(h.clock.pending).toBe(1);
    h.subscription.unsubscribe();
    await flush();
    expect(h.clock.pending).toBe(0);
    expect(h.source.observed).toBe(false);
  });

  it('validates its config when built', () => {
    const handler: Handler = async () => ({ kind: 'done' });
    expect(() => processDeliveries({ decode: stubDecode, retry: { jitter: 2 } }, handler)).toThrow(InvalidRetryConfigError);
    expect(() => processDeliveries({ decode: stubDecode, maxConcurrent: 0 }, handler)).toThrow(InvalidRunByKeyConfigError);
  });
});
