import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SupervisorEscalationError } from '../../src/actors/supervision/index.js';
import { startTopSupervisor } from '../../src/app/startSupervisor.js';
import { TREE_RESTART_INTENSITY } from '../../src/app/startPipeline.js';
import { superviseSources } from '../../src/app/superviseSources.js';
import { systemClock } from '../../src/domain/clock.js';
import type { Delivery } from '../../src/streams/delivery.js';
import type { ConsumeOptions, Source } from '../../src/streams/source.js';
import { until } from '../support/realtimeClient.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const consume: ConsumeOptions = { channels: ['c'], group: 'g', credit: 4 };
const fast = { intensity: 3, periodMs: 60_000, baseMs: 5, maxMs: 10 };
const delivery = (n: number) => ({ origin: { coordinates: { n: String(n) } } }) as unknown as Delivery;

/** The gateways supervisor under a top supervisor, as the pipeline puts it; `start` once `deliveries$` has a subscriber. */
function supervised(sources: ReadonlyMap<string, Source>) {
  const sup = superviseSources(sources as ReadonlyMap<'kafka' | 'redis', Source>, consume, fast, { log: silent });
  let actor: ReturnType<typeof startTopSupervisor> | undefined;
  return {
    ...sup,
    start: () =>
      (actor = startTopSupervisor({
        id: 'pipeline',
        children: [sup.gateways],
        intensity: TREE_RESTART_INTENSITY,
        periodMs: fast.periodMs,
        backoff: { baseMs: fast.baseMs, maxMs: fast.maxMs },
        clock: systemClock,
        log: silent,
        onEscalated: (error) => sup.fail(error),
      })),
    get actor() {
      return actor!;
    },
    stop: () => actor?.stop(),
  };
}

/** A source whose subscriptions the test drives: emit, fail, complete; counts (un)subscriptions. */
function scriptedSource() {
  const live: Array<{ next(d: Delivery): void; error(e: unknown): void; complete(): void; ready?: () => void }> = [];
  let subscriptions = 0;
  let unsubscriptions = 0;
  const source: Source = {
    consume: (options) =>
      new Observable<Delivery>((subscriber) => {
        subscriptions++;
        const handle = { next: (d: Delivery) => subscriber.next(d), error: (e: unknown) => subscriber.error(e), complete: () => subscriber.complete(), ready: options.onReady };
        live.push(handle);
        return () => {
          unsubscriptions++;
          live.splice(live.indexOf(handle), 1);
        };
      }),
  };
  return {
    source,
    current: () => live.at(-1)!,
    get subscriptions() {
      return subscriptions;
    },
    get unsubscriptions() {
      return unsubscriptions;
    },
  };
}

describe('gateways supervisor - one transient child per source', () => {
  it('restarts a failed source with backoff, says it is down meanwhile, and keeps the other source running', async () => {
    const kafka = scriptedSource();
    const redis = scriptedSource();
    const sup = supervised(new Map([['kafka', kafka.source], ['redis', redis.source]]));
    const seen: Delivery[] = [];
    const sub = sup.deliveries$.subscribe((d) => seen.push(d));
    sup.start();
    kafka.current().ready?.();
    redis.current().ready?.();
    expect([...sup.ready].sort()).toEqual(['kafka', 'redis']);

    kafka.current().error(new Error('broker connection lost'));
    expect(sup.down.get('kafka')).toBe('broker connection lost');
    expect(sup.ready.has('kafka')).toBe(false);
    redis.current().next(delivery(1)); // the other source is not disturbed
    await until(() => kafka.subscriptions === 2, () => 'kafka to be subscribed again');
    expect(sup.down.has('kafka')).toBe(false);
    kafka.current().ready?.();
    kafka.current().next(delivery(2));
    expect(seen.map((d) => d.origin.coordinates.n)).toEqual(['1', '2']);
    expect(redis.subscriptions).toBe(1);
    const gateways = sup.actor.getSnapshot().children.gateways as unknown as { getSnapshot(): { context: { children: Array<{ id: string }> } } };
    expect(gateways.getSnapshot().context.children.find((c) => c.id === 'kafka')).toMatchObject({ status: 'running', restarts: 1 });

    sup.stop();
    sub.unsubscribe();
    expect(kafka.unsubscriptions).toBe(2);
    expect(redis.unsubscriptions).toBe(1);
  });

  it('restarts the gateways supervisor when it gives up, and past the pipeline supervisor’s own intensity fails the deliveries', async () => {
    const kafka = scriptedSource();
    const redis = scriptedSource();
    const sup = supervised(new Map([['kafka', kafka.source], ['redis', redis.source]]));
    let failure: unknown;
    sup.deliveries$.subscribe({ error: (error: unknown) => (failure = error) });
    sup.start();
    // Each round: the source fails `intensity + 1` times, so the gateways supervisor gives up.
    const giveUp = async () => {
      for (let i = 0; i <= fast.intensity; i++) {
        const before = kafka.subscriptions;
        kafka.current().error(new Error(`down ${i}`));
        if (i < fast.intensity) await until(() => kafka.subscriptions === before + 1, () => `restart ${i}`);
      }
    };
    // The pipeline supervisor starts the gateways afresh 3 times (its intensity); the 4th give-up is final.
    expect(TREE_RESTART_INTENSITY).toBe(3);
    for (let round = 1; round <= TREE_RESTART_INTENSITY; round++) {
      await giveUp();
      expect(failure).toBeUndefined();
      await until(() => redis.subscriptions === round + 1, () => `the gateways to be started again (round ${round})`);
      expect(redis.unsubscriptions).toBe(round);
      await until(() => kafka.subscriptions === round * (fast.intensity + 1) + 1, () => 'kafka in the fresh gateways');
    }
    await giveUp();
    expect(failure).toBeInstanceOf(SupervisorEscalationError);
    // Everything stopped: the brokers get their unsettled deliveries back.
    expect(kafka.unsubscriptions).toBe(kafka.subscriptions);
    expect(redis.unsubscriptions).toBe(redis.subscriptions);
    expect(sup.actor.getSnapshot().status).toBe('error');
    sup.stop();
  });

  it('completes once every source has completed after a drain, and restarts none of them', async () => {
    const kafka = scriptedSource();
    const redis = scriptedSource();
    const sup = supervised(new Map([['kafka', kafka.source], ['redis', redis.source]]));
    let completed = false;
    sup.deliveries$.subscribe({ complete: () => (completed = true) });
    sup.start();
    kafka.current().complete();
    expect(completed).toBe(false);
    redis.current().complete();
    expect(completed).toBe(true);
    await new Promise((r) => setTimeout(r, 30)); // longer than any backoff
    expect([kafka.subscriptions, redis.subscriptions]).toEqual([1, 1]);
    sup.stop();
  });
});
