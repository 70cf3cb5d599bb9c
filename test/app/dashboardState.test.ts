import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createSupervisorLogic } from '../../src/actors/supervision/index.js';
import { createDashboardState, InvalidDashboardOptionsError, type DashboardParts } from '../../src/app/dashboardState.js';
import { createMemoryDeadLetterStore } from '../../src/gateways/memory/createMemoryDeadLetterStore.js';
import type { DeadLetterEntry } from '../../src/streams/deadLetterStore.js';
import { REPLAYED_FROM_HEADER } from '../../src/streams/replayDeadLetter.js';
import type { SettledRecord } from '../../src/streams/settle.js';
import { probe, startSupervisor } from '../actors/supervision/supervisionHarness.js';
import { FakeClock } from '../support/fakeClock.js';

const START = Date.UTC(2026, 0, 1);

function setup(overrides: Partial<DashboardParts> = {}) {
  const clock = new FakeClock(START);
  const settled = new Subject<SettledRecord>();
  const deadLetters = createMemoryDeadLetterStore();
  const parts: DashboardParts = {
    root: () => undefined,
    pipeline: {
      settled$: settled,
      registry: { stats: { live: 3, spawned: 5, passivated: 2, crashed: 0 }, liveByStatus: () => ({ pending: 2, paid: 1 }) },
      gateways: new Map([['memory', {}], ['kafka', {}]]),
      sourcesDown: new Map([['kafka', 'connection refused']]),
      sourcesReady: new Set(['memory']),
      deadLetters: { store: deadLetters },
    },
    ...overrides,
  };
  return { clock, settled, deadLetters, parts };
}

function settledOn(gateway: string, kind: 'ack' | 'deadLetter' | 'retry', attempts = 1): SettledRecord {
  const settlement =
    kind === 'ack' ? { kind } : kind === 'retry' ? { kind, delayMs: 0 } : { kind, reason: { code: 'decode' as const, message: 'bad', attempts } };
  return { delivery: { origin: { gateway, channel: 'c', coordinates: {}, attempt: 1, receivedAt: 0 } }, settlement, attempts, settledAt: 0 } as unknown as SettledRecord;
}

function entry(n: number, headers: Record<string, string> = {}): DeadLetterEntry {
  const at = new Date(START + n * 1000).toISOString();
  return {
    id: `dl-${n}`,
    reason: 'decode',
    message: n === 1 ? 'x'.repeat(1000) : `bad ${n}`,
    attempts: 1,
    firstFailedAt: at,
    lastFailedAt: at,
    origin: { gateway: 'memory', channel: 'orders', coordinates: {}, attempt: 1 },
    original: { body: Buffer.from('secret bytes').toString('base64'), headers },
  };
}

describe('dashboard state - rates per source', () => {
  it('counts acked, retried and dead-lettered per second per source, oldest first, in a ring of rateSeconds', async () => {
    const { clock, settled, parts } = setup();
    const state = createDashboardState(parts, { clock, rateSeconds: 5 });
    settled.next(settledOn('memory', 'ack'));
    settled.next(settledOn('memory', 'ack', 3)); // two retries before it went through
    clock.advance(2_000);
    settled.next(settledOn('memory', 'deadLetter'));
    settled.next(settledOn('memory', 'retry')); // handed back to the broker
    const { rates } = await state.snapshot();
    expect(rates.seconds).toBe(5);
    const memory = rates.sources.find((s) => s.source === 'memory')!;
    expect(memory).toMatchObject({
      status: 'ready',
      detail: null,
      acked: [0, 0, 2, 0, 0],
      retried: [0, 0, 2, 0, 1],
      deadLettered: [0, 0, 0, 0, 1],
      totals: { acked: 2, retried: 3, deadLettered: 1 },
    });
    expect(rates.sources.find((s) => s.source === 'kafka')).toMatchObject({ status: 'down', detail: 'connection refused', acked: [0, 0, 0, 0, 0] });

    // Past a whole turn the ring is all zeros again; the totals stay.
    clock.advance(10_000);
    const later = (await state.snapshot()).rates.sources.find((s) => s.source === 'memory')!;
    expect(later.acked).toEqual([0, 0, 0, 0, 0]);
    expect(later.totals).toEqual({ acked: 2, retried: 3, deadLettered: 1 });
    state.stop();
  });

  it('keeps at most maxSources histories: further gateways count under other', async () => {
    const { clock, settled, parts } = setup();
    const state = createDashboardState(parts, { clock, rateSeconds: 5, maxSources: 3 });
    for (const gateway of ['memory', 'http', 'nats', 'redis', 'redis']) settled.next(settledOn(gateway, 'ack'));
    const sources = (await state.snapshot()).rates.sources;
    expect(sources.map((s) => [s.source, s.status, s.totals.acked])).toEqual([
      ['memory', 'ready', 1],
      ['kafka', 'down', 0],
      ['other', 'other', 4],
    ]);
    state.stop();
  });

  it('stops counting on stop: it unsubscribes from settled$', () => {
    const { clock, settled, parts } = setup();
    const state = createDashboardState(parts, { clock });
    expect(settled.observed).toBe(true);
    state.stop();
    state.stop();
    expect(settled.observed).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('dashboard state - the rest of the snapshot', () => {
  it('shows the newest maxDeadLetters dead letters without their bytes, with the total, clipped text and the entry a replay came from', async () => {
    const { clock, deadLetters, parts } = setup();
    for (let n = 1; n <= 4; n++) await deadLetters.add(entry(n, n === 4 ? { [REPLAYED_FROM_HEADER]: 'dl-2' } : {}));
    const state = createDashboardState(parts, { clock, maxDeadLetters: 4 });
    const small = createDashboardState(parts, { clock, maxDeadLetters: 2 });
    const all = (await state.snapshot()).deadLetters;
    expect(all.total).toBe(4);
    expect(all.entries.map((e) => [e.id, e.replayedFrom])).toEqual([['dl-4', 'dl-2'], ['dl-3', null], ['dl-2', null], ['dl-1', null]]);
    expect(all.entries[3]!.message.length).toBeLessThanOrEqual(300);
    expect(JSON.stringify(all)).not.toContain(Buffer.from('secret bytes').toString('base64'));
    expect((await small.snapshot()).deadLetters).toMatchObject({ total: 4, entries: [{ id: 'dl-4' }, { id: 'dl-3' }] });
    state.stop();
    small.stop();
  });

  it('gives the order actors by status, the hub and the tasks, null for a part that is not there', async () => {
    const { clock, parts } = setup();
    const bare = createDashboardState(parts, { clock });
    expect(await bare.snapshot()).toMatchObject({
      at: new Date(START).toISOString(),
      tree: null,
      orders: { live: 3, spawned: 5, passivated: 2, crashed: 0, byStatus: { pending: 2, paid: 1 } },
      hub: null,
      tasks: null,
    });
    const stats = { running: 1, waiting: 0, peakRunning: 2, acked: 4, retried: 1, deadLettered: 0 };
    const full = createDashboardState(
      { ...parts, realtime: { hub: { stats: { sessions: 2, delivered: 9, cutOff: 1, unserialisable: 0 } as never } }, jobs: { pool: { stats } } },
      { clock },
    );
    const snapshot = await full.snapshot();
    expect(snapshot.hub).toEqual({ sessions: 2, delivered: 9, cutOff: 1 });
    expect(snapshot.tasks).toEqual(stats);
    bare.stop();
    full.stop();
  });

  it('walks the supervision tree: each child’s state and restarts, nested supervisors’ children, down to maxDepth', async () => {
    const log: string[] = [];
    const gateways = createSupervisorLogic({
      intensity: 5,
      periodMs: 5_000,
      random: () => 0,
      backoff: { baseMs: 10, jitter: 0 },
      children: [{ id: 'memory', logic: probe(log) }, { id: 'kafka', logic: probe(log) }],
    });
    const harness = startSupervisor({ intensity: 5, backoff: { baseMs: 1_000, jitter: 0 }, children: [{ id: 'registry', logic: probe(log) }, { id: 'gateways', logic: gateways }] });
    harness.actor.getSnapshot().children.gateways!.getSnapshot().children.kafka.send({ type: 'fail' });
    harness.clock.increment(10);
    const { clock, parts } = setup();
    const state = createDashboardState({ ...parts, root: () => harness.actor }, { clock });
    expect((await state.snapshot()).tree).toEqual({
      id: 'root',
      status: 'active',
      restarts: 0,
      recentRestarts: 0,
      lastExit: null,
      lastError: null,
      children: [
        { id: 'registry', status: 'running', restarts: 0, recentRestarts: 0, lastExit: null, lastError: null, children: [] },
        {
          id: 'gateways',
          status: 'running',
          restarts: 0,
          recentRestarts: 0,
          lastExit: null,
          lastError: null,
          children: [
            { id: 'memory', status: 'running', restarts: 0, recentRestarts: 0, lastExit: null, lastError: null, children: [] },
            { id: 'kafka', status: 'running', restarts: 1, recentRestarts: 1, lastExit: 'error', lastError: 'kafka#1 failed', children: [] },
          ],
        },
      ],
    });
    const shallow = createDashboardState({ ...parts, root: () => harness.actor }, { clock, maxDepth: 2 });
    expect((await shallow.snapshot()).tree?.children.map((c) => c.children.length)).toEqual([0, 0]);
    state.stop();
    shallow.stop();
  });

  it('refuses options out of bounds with a named error', () => {
    const { parts } = setup();
    expect(() => createDashboardState(parts, { rateSeconds: 0 })).toThrow(InvalidDashboardOptionsError);
    expect(() => createDashboardState(parts, { maxDeadLetters: 1.5 })).toThrow(/maxDeadLetters must be a whole number/);
  });
});
