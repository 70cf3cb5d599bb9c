import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/streams/delivery.js';
import { processDeliveries, type ProcessOutcome } from '../../src/streams/processDeliveries.js';
import type { SettledRecord } from '../../src/streams/settle.js';
import { FakeClock } from '../support/fakeClock.js';
import { fakeDelivery, flush, stubDecode, type FakeDeliveryOptions } from './fakeDelivery.js';

/** One delivery through the pipeline whose handler answers `outcome`; what happened, in order. */
async function runOne(outcome: (log: string[]) => ProcessOutcome, options: FakeDeliveryOptions = {}) {
  const log: string[] = [];
  const records: SettledRecord[] = [];
  const source = new Subject<Delivery>();
  const subscription = source
    .pipe(processDeliveries({ decode: stubDecode, clock: new FakeClock(), retry: { maxAttempts: 1 } }, async () => outcome(log)))
    .subscribe((record) => {
      log.push(`settled:${record.settlement.kind}`);
      records.push(record);
    });
  const fake = fakeDelivery({ key: 'A', ...options });
  source.next(fake.delivery);
  await flush();
  subscription.unsubscribe();
  return { log, calls: fake.calls, records };
}

const reject = (after: (log: string[]) => Promise<void>) => (log: string[]): ProcessOutcome => ({
  kind: 'reject',
  code: 'forbidden-transition',
  message: 'not now',
  deadLettered: () => after(log),
});

describe('processDeliveries - what a reject does once dead-lettered', () => {
  it('runs it after the broker took the dead letter, before the record is emitted', async () => {
    const { log, calls } = await runOne(reject(async (log) => void log.push('marked')));
    expect(calls).toEqual([{ kind: 'deadLetter', reason: { code: 'forbidden-transition', message: 'not now', attempts: 1 } }]);
    expect(log).toEqual(['marked', 'settled:deadLetter']);
  });

  it('does not run it when the broker refused the dead letter (the delivery comes back and is decided again)', async () => {
    const { log, calls } = await runOne(reject(async (log) => void log.push('marked')), { refuse: { deadLetter: new Error('broker down') } });
    expect(calls.map((c) => c.kind)).toEqual(['deadLetter', 'retry']);
    expect(log).toEqual(['settled:retry']);
  });

  it('settles and emits as usual when it rejects', async () => {
    const { log, records } = await runOne(reject(() => Promise.reject(new Error('store down'))));
    expect(log).toEqual(['settled:deadLetter']);
    expect(records[0]?.error).toBeUndefined();
  });
});
