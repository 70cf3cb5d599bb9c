import Fastify from 'fastify';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { NEVER, Subject, throwError, type Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { createActor, fromObservable } from 'xstate';
import type { HubStats } from '../../src/actors/hub/hubState.js';
import type { JobPoolStats } from '../../src/actors/jobs/createJobPool.js';
import type { RegistryStats } from '../../src/actors/orderRegistry.js';
import { createSupervisorLogic, type SupervisorNotice } from '../../src/actors/supervision/index.js';
import type { TaskRecord, TaskStatus } from '../../src/actors/taskStore.js';
import { loadConfig } from '../../src/app/config.js';
import { createMetrics, InvalidMetricsOptionsError, metricsOptionsFor, registerMetricsRoute, type KafkaLagAdmin, type Metrics } from '../../src/app/metrics/index.js';
import { startPipeline } from '../../src/app/startPipeline.js';
import { systemClock } from '../../src/domain/clock.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createMemoryBroker, createMemoryOrderStore } from '../../src/gateways/memory/index.js';
import { createDelivery } from '../../src/streams/createDelivery.js';
import type { Delivery } from '../../src/streams/delivery.js';
import type { SettledRecord } from '../../src/streams/settle.js';
import { FakeClock } from '../support/fakeClock.js';
import { envelopeOf } from '../support/orderEvents.js';

/** The value of the one sample of `name` whose labels are exactly `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]);
    if (JSON.stringify(found.sort()) === wanted) return Number(match[3]);
  }
  return undefined;
}

const memoryOrders = { source: 'memory', channel: 'orders' };

/** A delivery from `origin`'s source whose broker refuses what `refuse` names. */
function delivery(receivedAt: number, origin = memoryOrders, refuse: readonly string[] = []): Delivery {
  const broker = (kind: string) => () => (refuse.includes(kind) ? Promise.reject(new Error(`${kind} refused`)) : Promise.resolve());
  return createDelivery(
    { body: new Uint8Array(), headers: {} },
    { gateway: origin.source, channel: origin.channel, coordinates: {}, attempt: 1, receivedAt },
    { ack: broker('ack'), retry: broker('retry'), deadLetter: broker('deadLetter') },
  );
}

/** Deliveries pushed through `countReceived`, as the pipeline would receive them. */
function intake(metrics: Metrics) {
  const source = new Subject<Delivery>();
  const received: Delivery[] = [];
  const subscription = source.pipe(metrics.countReceived).subscribe((d) => received.push(d));
  return { push: (d: Delivery) => source.next(d), received, stop: () => subscription.unsubscribe() };
}

const quietOptions = { processMetrics: false } as const;

describe('metrics - deliveries', () => {
  it('counts received, acked, retried and dead-lettered by source, channel and reason, times the acks, and keeps what is in flight', async () => {
    const clock = new FakeClock();
    const metrics = createMetrics({ ...quietOptions, clock, channels: ['orders'] });
    const { push, received, stop } = intake(metrics);
    for (let i = 0; i < 4; i++) push(delivery(clock.now()));
    push(delivery(clock.now(), memoryOrders, ['ack']));
    clock.advance(30);
    await received[0]!.ack();
    await received[1]!.retry(0);
    await received[2]!.deadLetter({ code: 'validation', message: 'bad', attempts: 1 });
    await expect(received[4]!.ack()).rejects.toThrow('ack refused');

    const text = await metrics.metrics();
    expect(sample(text, 'orderly_deliveries_received_total', memoryOrders)).toBe(5);
    expect(sample(text, 'orderly_deliveries_acked_total', memoryOrders)).toBe(1);
    expect(sample(text, 'orderly_deliveries_retried_total', memoryOrders)).toBe(1);
    expect(sample(text, 'orderly_deliveries_dead_lettered_total', { ...memoryOrders, reason: 'validation' })).toBe(1);
    expect(sample(text, 'orderly_delivery_settle_failures_total', { ...memoryOrders, settlement: 'ack' })).toBe(1);
    expect(sample(text, 'orderly_deliveries_in_flight', memoryOrders)).toBe(1); // received[3]
    expect(sample(text, 'orderly_delivery_processing_seconds_bucket', { ...memoryOrders, le: '0.025' })).toBe(0);
    expect(sample(text, 'orderly_delivery_processing_seconds_bucket', { ...memoryOrders, le: '0.05' })).toBe(1);
    expect(sample(text, 'orderly_delivery_processing_seconds_bucket', { ...memoryOrders, le: '+Inf' })).toBe(1);
    expect(sample(text, 'orderly_delivery_processing_seconds_count', memoryOrders)).toBe(1);
    expect(sample(text, 'orderly_delivery_processing_seconds_sum', memoryOrders)).toBeCloseTo(0.03);
    expect(text).toContain('# TYPE orderly_delivery_processing_seconds histogram');
    stop();
  });

  it('leaves the in-flight count once when a refused dead letter is followed by a retry, and passes the settlement through', async () => {
    const metrics = createMetrics(quietOptions);
    const { push, received } = intake(metrics);
    push(delivery(0, memoryOrders, ['deadLetter']));
    const counted = received[0]!;
    await expect(counted.deadLetter({ code: 'max-attempts', message: 'gave up', attempts: 5 })).rejects.toThrow('deadLetter refused');
    expect(counted.settled).toBe(false);
    await counted.retry(10);
    expect(counted.settled).toBe(true);
    await expect(counted.ack()).rejects.toThrow('already settled');

    const text = await metrics.metrics();
    expect(sample(text, 'orderly_deliveries_in_flight', memoryOrders)).toBe(0);
    expect(sample(text, 'orderly_deliveries_retried_total', memoryOrders)).toBe(1);
    expect(sample(text, 'orderly_deliveries_dead_lettered_total', { ...memoryOrders, reason: 'max-attempts' })).toBeUndefined();
    expect(sample(text, 'orderly_delivery_settle_failures_total', { ...memoryOrders, settlement: 'deadLetter' })).toBe(1);
  });

  it('bounds the labels: a channel outside the configured ones and an unknown reason are `other`', async () => {
    const metrics = createMetrics({ ...quietOptions, channels: ['orders'] });
    const { push, received } = intake(metrics);
    push(delivery(0, { source: 'kafka', channel: 'surprise-1' }));
    push(delivery(0, { source: 'kafka', channel: 'surprise-2' }));
    await received[0]!.ack();
    await received[1]!.deadLetter({ code: 'made-up' as 'decode', message: '?', attempts: 1 });

    const text = await metrics.metrics();
    const other = { source: 'kafka', channel: 'other' };
    expect(sample(text, 'orderly_deliveries_received_total', other)).toBe(2);
    expect(sample(text, 'orderly_deliveries_dead_lettered_total', { ...other, reason: 'other' })).toBe(1);
    expect(text).not.toContain('surprise');
  });

  it('counts the in-process retries of settled records while attached, and stops at detach', async () => {
    const metrics = createMetrics(quietOptions);
    const settled$ = new Subject<SettledRecord>();
    const detach = metrics.attach({ pipeline: fakePipeline({ settled$ }) });
    const record = (attempts: number): SettledRecord => ({ delivery: delivery(0), settlement: { kind: 'ack' }, attempts, settledAt: 0 });
    settled$.next(record(1));
    settled$.next(record(3));
    detach();
    expect(settled$.observed).toBe(false);
    settled$.next(record(5));
    expect(sample(await metrics.metrics(), 'orderly_handler_retries_total', memoryOrders)).toBe(2);
    detach(); // idempotent
  });

  it('refuses options that cannot work, naming the field', () => {
    expect(() => createMetrics({ latencyBuckets: [0.1, 0.05] })).toThrow(InvalidMetricsOptionsError);
    expect(() => createMetrics({ credit: 0 })).toThrow(/credit/);
    expect(() => createMetrics({ kafkaLag: { group: 'g', topics: [] } })).toThrow(/kafkaLag/);
  });
});

describe('metrics - supervision', () => {
  it('counts restarts, child failures and escalations from notices, labelled without the incarnation', async () => {
    const metrics = createMetrics(quietOptions);
    const notices = new Subject<SupervisorNotice>();
    const root = { on: (_type: '*', handler: (notice: SupervisorNotice) => void) => notices.subscribe(handler), getSnapshot: () => ({ children: {} }) };
    const detach = metrics.attach({ supervisors: [root] });
    notices.next({ type: 'supervisor.child.exited', supervisorId: 'gateways#2', childId: 'kafka', exit: 'error', error: new Error('x'), restartInMs: 5 });
    notices.next({ type: 'supervisor.child.restarted', supervisorId: 'gateways#2', childId: 'kafka', actorId: 'kafka#2', restarts: 1 });
    notices.next({ type: 'supervisor.child.exited', supervisorId: 'root', childId: 'hub', exit: 'normal', error: undefined, restartInMs: undefined });
    metrics.countSupervisorNotice({ type: 'supervisor.escalated', supervisorId: 'root', error: undefined as never });
    detach();
    expect(notices.observed).toBe(false);

    const text = await metrics.metrics();
    expect(sample(text, 'orderly_supervisor_child_failures_total', { supervisor: 'gateways', child: 'kafka' })).toBe(1);
    expect(sample(text, 'orderly_supervisor_restarts_total', { supervisor: 'gateways', child: 'kafka' })).toBe(1);
    expect(sample(text, 'orderly_supervisor_child_failures_total', { supervisor: 'root', child: 'hub' })).toBeUndefined();
    expect(sample(text, 'orderly_supervisor_escalations_total', { supervisor: 'root' })).toBe(1);
  });

  it('follows the supervisors below a root, and each new incarnation of them', async () => {
    let starts = 0;
    // The source fails at its first two starts; the nested supervisor gives up on the second and is started afresh by the root.
    const source = fromObservable((): Observable<never> => (++starts <= 2 ? throwError(() => new Error(`start ${starts} failed`)) : NEVER));
    const gateways = createSupervisorLogic({ intensity: 1, periodMs: 60_000, backoff: { baseMs: 1, maxMs: 1 }, children: [{ id: 'kafka', logic: source }] });
    const logic = createSupervisorLogic({ intensity: 3, periodMs: 60_000, backoff: { baseMs: 1, maxMs: 1 }, children: [{ id: 'gateways', logic: gateways }] });
    const root = createActor(logic, { id: 'root', clock: systemClock });
    root.subscribe({ error: () => undefined });
    const metrics = createMetrics(quietOptions);
    const detach = metrics.attach({ supervisors: [root] });
    root.start();
    await vi.waitFor(() => expect(starts).toBe(3));

    const text = await metrics.metrics();
    expect(sample(text, 'orderly_supervisor_child_failures_total', { supervisor: 'gateways', child: 'kafka' })).toBe(2);
    expect(sample(text, 'orderly_supervisor_restarts_total', { supervisor: 'gateways', child: 'kafka' })).toBe(1);
    expect(sample(text, 'orderly_supervisor_escalations_total', { supervisor: 'gateways' })).toBe(1);
    expect(sample(text, 'orderly_supervisor_child_failures_total', { supervisor: 'root', child: 'gateways' })).toBe(1);
    expect(sample(text, 'orderly_supervisor_restarts_total', { supervisor: 'root', child: 'gateways' })).toBe(1);
    detach();
    root.stop();
  });
});

describe('metrics - parts read on scrape', () => {
  it('reads order actors, hub, jobs, outbox and sources from the attached parts, and the credit from the options', async () => {
    const metrics = createMetrics({ ...quietOptions, sources: ['memory', 'kafka'], credit: 256 });
    const registry = { stats: { live: 3, spawned: 10, passivated: 7, crashed: 1 } as RegistryStats };
    const hub = { stats: { sessions: 2, delivered: 40, cutOff: 1, unserialisable: 0 } as HubStats };
    const pool = { stats: { running: 1, waiting: 4, peakRunning: 2, acked: 5, retried: 2, deadLettered: 1 } as JobPoolStats };
    metrics.attach({
      pipeline: fakePipeline({ registry, outboxBacklog: async () => 12, sourcesDown: new Map([['kafka', 'gone']]), sourcesReady: new Set(['memory', 'kafka']) }),
      hub,
      jobs: { pool },
    });

    let text = await metrics.metrics();
    expect(sample(text, 'orderly_order_actors')).toBe(3);
    expect(sample(text, 'orderly_order_actor_spawns_total')).toBe(10);
    expect(sample(text, 'orderly_order_actor_passivations_total')).toBe(7);
    expect(sample(text, 'orderly_order_actor_crashes_total')).toBe(1);
    expect(sample(text, 'orderly_hub_sessions')).toBe(2);
    expect(sample(text, 'orderly_hub_deliveries_total')).toBe(40);
    expect(sample(text, 'orderly_hub_slow_client_disconnects_total')).toBe(1);
    expect(sample(text, 'orderly_jobs_running')).toBe(1);
    expect(sample(text, 'orderly_jobs_waiting')).toBe(4);
    expect(sample(text, 'orderly_job_settlements_total', { settlement: 'retry' })).toBe(2);
    expect(sample(text, 'orderly_outbox_backlog')).toBe(12);
    expect(sample(text, 'orderly_source_up', { source: 'memory' })).toBe(1);
    expect(sample(text, 'orderly_source_up', { source: 'kafka' })).toBe(0);
    expect(sample(text, 'orderly_source_credit', { source: 'kafka' })).toBe(256);

    registry.stats = { ...registry.stats, spawned: 11, live: 4 };
    text = await metrics.metrics();
    expect(sample(text, 'orderly_order_actor_spawns_total')).toBe(11);
    expect(sample(text, 'orderly_order_actors')).toBe(4);
  });

  it('a backlog that does not answer in time keeps its last value and does not hold the scrape', async () => {
    const metrics = createMetrics({ ...quietOptions, collectTimeoutMs: 20 });
    metrics.attach({ pipeline: fakePipeline({ outboxBacklog: () => new Promise<number>(() => undefined) }) });
    const started = performance.now();
    expect(sample(await metrics.metrics(), 'orderly_outbox_backlog')).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('metrics - tasks', () => {
  it('counts tasks entering each status, not updates that keep it, and bounds the type', async () => {
    const metrics = createMetrics(quietOptions);
    const task = (taskId: string, status: TaskStatus, type = 'email') => ({ taskId, type, status }) as TaskRecord;
    for (const status of ['queued', 'running', 'running', 'failed', 'queued', 'running', 'succeeded'] as const) metrics.countTaskChange(task('t-1', status));
    metrics.countTaskChange(task('t-2', 'queued', 'not-a-type'));
    metrics.countTaskChange(task('t-2', 'dead', 'not-a-type'));

    const text = await metrics.metrics();
    expect(sample(text, 'orderly_task_status_changes_total', { type: 'email', status: 'queued' })).toBe(2);
    expect(sample(text, 'orderly_task_status_changes_total', { type: 'email', status: 'running' })).toBe(2);
    expect(sample(text, 'orderly_task_status_changes_total', { type: 'email', status: 'failed' })).toBe(1);
    expect(sample(text, 'orderly_task_status_changes_total', { type: 'email', status: 'succeeded' })).toBe(1);
    expect(sample(text, 'orderly_task_status_changes_total', { type: 'other', status: 'dead' })).toBe(1);
  });
});

describe('metrics - kafka lag', () => {
  /** An admin whose offsets the test sets; `hang` makes every fetch wait for ever. */
  function fakeAdmin() {
    const state = { connects: 0, disconnects: 0, fetches: 0, hang: false, committed: new Map<number, string>([[0, '7']]) };
    const admin: KafkaLagAdmin = {
      connect: async () => void state.connects++,
      disconnect: async () => void state.disconnects++,
      fetchTopicOffsets: async () => {
        state.fetches++;
        if (state.hang) return new Promise(() => undefined);
        return [
          { partition: 0, low: '0', high: '10' },
          { partition: 1, low: '2', high: '5' },
        ];
      },
      fetchOffsets: async ({ topics }) => topics.map((topic) => ({ topic, partitions: [0, 1].map((partition) => ({ partition, offset: state.committed.get(partition) ?? '-1' })) })),
    };
    return { admin, state };
  }

  it('reports the lag per partition against the committed offset (all retained records when none is), cached for a while', async () => {
    const clock = new FakeClock();
    const { admin, state } = fakeAdmin();
    const metrics = createMetrics({ ...quietOptions, clock, kafkaLag: { group: 'g', topics: ['orders'], admin: () => admin, cacheMs: 5000 } });
    let text = await metrics.metrics();
    expect(sample(text, 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '0' })).toBe(3);
    expect(sample(text, 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '1' })).toBe(3);

    state.committed.set(0, '10');
    await metrics.metrics();
    expect(state.fetches).toBe(1);
    clock.advance(5000);
    text = await metrics.metrics();
    expect(state.fetches).toBe(2);
    expect(sample(text, 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '0' })).toBe(0);
    await metrics.close();
    await metrics.close();
    expect(state.disconnects).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('a cluster that does not answer in time leaves the lag out and counts the failure; the slow client is kept for the next read', async () => {
    const clock = new FakeClock();
    const { admin, state } = fakeAdmin();
    state.hang = true;
    const metrics = createMetrics({ ...quietOptions, clock, kafkaLag: { group: 'g', topics: ['orders'], admin: () => admin, timeoutMs: 2000, cacheMs: 5000 } });
    const scrape = metrics.metrics();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(2000);
    let text = await scrape;
    expect(sample(text, 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '0' })).toBeUndefined();
    expect(sample(text, 'orderly_kafka_lag_read_failures_total')).toBe(1);
    expect(state.disconnects).toBe(0);

    state.hang = false;
    clock.advance(5000);
    text = await metrics.metrics();
    expect(state.connects).toBe(1);
    expect(sample(text, 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '1' })).toBe(3);
    await metrics.close();
  });

  it('a client that fails is dropped and a fresh one made for the next read', async () => {
    const clock = new FakeClock();
    const { admin, state } = fakeAdmin();
    const failing: KafkaLagAdmin = { ...admin, fetchOffsets: () => Promise.reject(new Error('coordinator not available')) };
    let made = 0;
    const metrics = createMetrics({ ...quietOptions, clock, kafkaLag: { group: 'g', topics: ['orders'], admin: () => (++made === 1 ? failing : admin), cacheMs: 5000 } });
    expect(sample(await metrics.metrics(), 'orderly_kafka_lag_read_failures_total')).toBe(1);
    expect(state.disconnects).toBe(1);
    clock.advance(5000);
    expect(sample(await metrics.metrics(), 'orderly_kafka_consumer_lag', { topic: 'orders', partition: '0' })).toBe(3);
    expect(made).toBe(2);
    await metrics.close();
  });

  it('reads the lag of a group from a real Kafka (127.0.0.1:9092)', async () => {
    const topic = `metrics-lag-${Date.now().toString(36)}-${process.pid}`;
    const kafka = new Kafka({ clientId: 'metrics-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const metrics = createMetrics({ ...quietOptions, kafkaLag: { group: `${topic}-group`, topics: [topic], brokers: ['127.0.0.1:9092'] } });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ key: value, value })) });
      await producer.disconnect();
      const text = await metrics.metrics();
      const lag = [0, 1].map((partition) => sample(text, 'orderly_kafka_consumer_lag', { topic, partition: String(partition) }));
      expect(lag.every((n) => n !== undefined)).toBe(true);
      expect(lag.reduce((a, b) => a! + b!, 0)).toBe(3); // nothing committed: every record is lag
      expect(sample(text, 'orderly_kafka_lag_read_failures_total')).toBe(0);
    } finally {
      await metrics.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('is configured from Orderly`s settings only when Kafka is a source', () => {
    expect(metricsOptionsFor(loadConfig({})).kafkaLag).toBeUndefined();
    const options = metricsOptionsFor(loadConfig({ ORDERLY_SOURCES: 'kafka', ORDERLY_CHANNEL_PREFIX: 'run.', ORDERLY_CHANNELS: 'orders', ORDERLY_CONSUMER_GROUP: 'grp' }));
    expect(options.kafkaLag).toMatchObject({ group: 'grp', topics: ['run.orders'] });
    expect(options.channels).toEqual(['run.orders']);
  });
});

describe('metrics - GET /metrics', () => {
  it('serves the exposition with Prometheus` content type, the process`s own metrics included', async () => {
    const metrics = createMetrics({ sources: ['memory'], credit: 8 });
    const app = Fastify();
    registerMetricsRoute(app, metrics);
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(sample(response.body, 'orderly_source_credit', { source: 'memory' })).toBe(8);
      expect(response.body).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(response.body).toContain('nodejs_eventloop_lag_seconds');
    } finally {
      await app.close();
      await metrics.close();
    }
  });
});

describe('metrics - with the pipeline', () => {
  it('counts what a running pipeline receives and settles, decode dead letters included, and reads its parts', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', ORDERLY_CREDIT: '16', ORDERLY_RETRY_BASE_MS: '1', ORDERLY_RETRY_MAX_MS: '2' });
    const metrics = createMetrics({ ...quietOptions, ...metricsOptionsFor(config) });
    const broker = createMemoryBroker();
    // Where the app puts `countReceived`: first on what the gateway hands over.
    const counted = { ...broker, consume: (options: Parameters<typeof broker.consume>[0]) => broker.consume(options).pipe(metrics.countReceived) };
    const pipeline = await startPipeline(config, { logger: pino({ level: 'silent' }), gateways: { memory: counted }, store: createMemoryOrderStore() });
    const detach = metrics.attach({ pipeline });
    try {
      for (const envelope of [envelopeOf('order.created', 'm-1'), envelopeOf('order.created', 'm-2'), envelopeOf('payment.completed', 'm-1')]) {
        await broker.publish('orders', encodeStructured(envelope));
      }
      await broker.publish('orders', { body: new TextEncoder().encode('not json'), headers: {}, key: 'm-3' });

      let text = '';
      await vi.waitFor(async () => {
        text = await metrics.metrics();
        expect(sample(text, 'orderly_deliveries_acked_total', memoryOrders)).toBe(3);
        expect(sample(text, 'orderly_deliveries_dead_lettered_total', { ...memoryOrders, reason: 'decode' })).toBe(1);
      });
      expect(sample(text, 'orderly_deliveries_received_total', memoryOrders)).toBe(4);
      expect(sample(text, 'orderly_deliveries_in_flight', memoryOrders)).toBe(0);
      expect(sample(text, 'orderly_delivery_processing_seconds_count', memoryOrders)).toBe(3);
      expect(sample(text, 'orderly_order_actor_spawns_total')).toBe(2);
      expect(sample(text, 'orderly_order_actors')).toBe(2);
      expect(sample(text, 'orderly_source_up', { source: 'memory' })).toBe(1);
      expect(sample(text, 'orderly_source_credit', { source: 'memory' })).toBe(16);
      expect(sample(text, 'orderly_outbox_backlog')).toBe(0);
    } finally {
      detach();
      await pipeline.stop(1000);
      await broker.close();
      await metrics.close();
    }
  });
});

/** A pipeline part with harmless defaults for what a test does not set. */
function fakePipeline(parts: {
  settled$?: Observable<SettledRecord>;
  registry?: { stats: RegistryStats };
  outboxBacklog?: () => Promise<number>;
  sourcesDown?: ReadonlyMap<string, string>;
  sourcesReady?: ReadonlySet<string>;
}) {
  return {
    settled$: parts.settled$ ?? NEVER,
    registry: parts.registry ?? { stats: { live: 0, spawned: 0, passivated: 0, crashed: 0 } },
    outboxBacklog: parts.outboxBacklog ?? (async () => 0),
    sourcesDown: parts.sourcesDown ?? new Map(),
    sourcesReady: parts.sourcesReady ?? new Set<string>(),
  };
}
