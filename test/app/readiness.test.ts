import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { createSupervisorLogic } from '../../src/actors/supervision/index.js';
import { loadConfig } from '../../src/app/config.js';
import { readinessOf, type ReadinessParts } from '../../src/app/readiness.js';
import type { Delivery } from '../../src/streams/delivery.js';
import { InFlight } from '../../src/streams/inFlight.js';
import { until } from '../support/realtimeClient.js';

const delivery = (receivedAt: number) => ({ settled: false, origin: { receivedAt } }) as unknown as Delivery;

function parts(overrides: Partial<ReadinessParts> = {}, env: Record<string, string> = {}): ReadinessParts {
  const root = createActor(createSupervisorLogic({ children: [{ id: 'hub', logic: fromPromise(() => new Promise<void>(() => undefined)) }] }));
  root.start();
  return {
    config: loadConfig({ ORDERLY_SOURCES: 'kafka', ORDERLY_READY_MAX_KAFKA_LAG: '1000', ...env }),
    pipeline: { consuming: true, sourcesDown: new Map(), sourcesReady: new Set(['kafka']), inFlight: new InFlight(10) },
    root: () => root,
    draining: () => false,
    now: () => 100_000,
    kafkaLag: () => 10,
    ...overrides,
  };
}

describe('readiness - why Orderly should or should not get traffic', () => {
  it('is ready with every check green, and says what it measured', () => {
    const state = readinessOf(parts());
    expect(state.ready).toBe(true);
    expect(Object.keys(state.checks).sort()).toEqual(['consuming', 'draining', 'inFlight', 'kafkaLag', 'source:kafka', 'supervision']);
    expect(state.checks.kafkaLag).toEqual({ ok: true, detail: '10 records behind' });
  });

  it('fails on a delivery in flight past the limit, naming its age', () => {
    const inFlight = new InFlight(10);
    inFlight.add(delivery(100_000 - 61_000));
    const state = readinessOf(parts({ pipeline: { consuming: true, sourcesDown: new Map(), sourcesReady: new Set(['kafka']), inFlight } }));
    expect(state.ready).toBe(false);
    expect(state.checks.inFlight).toEqual({ ok: false, detail: 'the oldest of 1 deliveries in flight is 61 s old (limit 60 s)' });
  });

  it('fails on Kafka lag past ORDERLY_READY_MAX_KAFKA_LAG, and does not check lag when it is 0', () => {
    expect(readinessOf(parts({ kafkaLag: () => 5_000 })).checks.kafkaLag).toEqual({ ok: false, detail: '5000 records behind (limit 1000)' });
    expect(readinessOf(parts({ kafkaLag: () => 5_000 }, { ORDERLY_READY_MAX_KAFKA_LAG: '0' })).checks.kafkaLag).toBeUndefined();
  });

  it('fails while a child of the root waits for its restart, once the root gave up, and once it stopped', async () => {
    let fail: (error: Error) => void = () => undefined;
    const root = createActor(
      createSupervisorLogic({
        intensity: 1,
        backoff: { baseMs: 60_000, maxMs: 60_000 },
        children: [{ id: 'hub', logic: fromPromise(() => new Promise<void>((_resolve, reject) => (fail = reject))) }],
      }),
    );
    root.subscribe({ error: () => undefined });
    root.start();
    fail(new Error('bus lost'));
    await until(() => root.getSnapshot().context.children[0]?.status === 'restarting', () => 'restarting');
    expect(readinessOf(parts({ root: () => root })).checks.supervision).toEqual({ ok: false, detail: 'restarting: hub (bus lost; 0 restarts)' });
    root.stop();
    expect(readinessOf(parts({ root: () => root })).checks.supervision).toEqual({ ok: false, detail: 'the supervision tree is stopped' });
    expect(readinessOf(parts({ root: () => undefined })).checks.supervision).toEqual({ ok: false, detail: 'starting' });
    // With no restarts allowed, the first failure makes the root give up.
    const gaveUp = createActor(createSupervisorLogic({ intensity: 0, children: [{ id: 'hub', logic: fromPromise(() => Promise.reject(new Error('boom'))) }] }));
    gaveUp.subscribe({ error: () => undefined });
    gaveUp.start();
    await until(() => gaveUp.getSnapshot().status === 'error', () => 'the root to give up');
    expect(readinessOf(parts({ root: () => gaveUp })).checks.supervision).toEqual({ ok: false, detail: 'the root supervisor gave up' });
  });
});
