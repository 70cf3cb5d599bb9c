/**
 * Orderly's pipeline against bare XState actors, in one process and one run.
 *
 *   npm run bench:pipeline                  # 1k, 100k and 1M orders (two events each)
 *   npm run bench:pipeline -- 1000 100000   # chosen sizes
 *   node --expose-gc dist/bench/pipeline.bench.js --task <bare|orderly|bare-heap|orderly-heap> <orders>
 *                                           # one measurement, printed as JSON (what `npm run bench` runs)
 *
 * Throughput: events per second from first publish to last ack through the whole pipeline
 * (embedded broker with credit, CloudEvents decode and validation, keyed execution, order
 * actor, store write), against the baseline of one `createActor` per order with each event
 * `send`-ed directly. Memory: heap per live order actor against a live bare actor, and the
 * peak resident memory of the whole run. Results are printed as a Markdown table.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createActor } from 'xstate';
import { orderLifecycle } from '../src/actors/orderLifecycle.js';
import { defaultOrderLimits } from '../src/actors/orderLimits.js';
import { OrderRegistry } from '../src/actors/orderRegistry.js';
import { loadConfig } from '../src/app/config.js';
import { startPipeline } from '../src/app/startPipeline.js';
import { buildEnvelope, encodeStructured } from '../src/domain/encodeEnvelope.js';
import type { OrderEvent } from '../src/domain/orderEvents.js';
import { systemClock } from '../src/domain/clock.js';
import { createMemoryOrderStore } from '../src/gateways/memory/createMemoryOrderStore.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:pipeline does)');

const sizes = process.argv.includes('--task') ? [] : process.argv.slice(2).map(Number).filter((n) => n > 0);
const orderCounts = sizes.length > 0 ? sizes : [1_000, 100_000, 1_000_000];
const LIVE_SAMPLE = 10_000;
const HEAP_CAP_MIB = 700;

function eventsOf(i: number): [OrderEvent, OrderEvent] {
  const orderId = `o-${i}`;
  return [
    {
      type: 'order.created',
      data: {
        orderId,
        userId: `u-${i % 1000}`,
        items: [{ productId: 'p-1', quantity: 2, priceCents: 500 }],
        totalCents: 1000,
        currency: 'EUR',
        timestamp: '2026-01-01T00:00:00.000Z',
      },
    },
    { type: 'payment.completed', data: { orderId, paymentId: `pay-${i}`, amountCents: 1000 } },
  ];
}

/** CPU (user + system) of this process over the last timed window, the producer's included. */
let windowCpuSeconds: number | undefined;
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

function bareThroughput(orders: number): number {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < orders; i++) {
    const actor = createActor(orderLifecycle).start();
    for (const event of eventsOf(i)) actor.send(event);
    actor.stop();
  }
  const perSecond = (orders * 2) / ((performance.now() - started) / 1000);
  windowCpuSeconds = cpuSince(cpu);
  return perSecond;
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

async function pipelineThroughput(orders: number): Promise<number> {
  const config = loadConfig({ ORDERLY_CREDIT: '512', ORDERLY_MEMORY_MAX_ORDERS: String(orders + 1), LOG_LEVEL: 'silent' });
  const store = createMemoryOrderStore({ maxOrders: orders + 1 });
  const pipeline = await startPipeline(config, { logger: pino({ level: 'silent' }), store });
  const total = orders * 2;
  let settled = 0;
  let deadLettered = 0;
  const done = new Promise<void>((resolve) =>
    pipeline.settled$.subscribe((record) => {
      settled++;
      if (record.settlement.kind !== 'ack') deadLettered++;
      if (settled === total) resolve();
    }),
  );
  // The producer stamps each order's number into pre-encoded templates, so that its own cost
  // (a string replace) stays out of the pipeline's figure as far as one process allows.
  const templates = eventsOf(0).map((event) => {
    const envelope = buildEnvelope({
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data).replaceAll('-0"', '-#"')) as typeof event.data,
      id: `${event.type}:#`,
      correlationId: 'c-#',
      source: '/bench',
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
    const { body, headers } = encodeStructured(envelope);
    return { body: new TextDecoder().decode(body), headers };
  });
  const stamp = (text: string, i: number) => text.replaceAll('#', String(i));
  const cpu = process.cpuUsage();
  const started = performance.now();
  // The producer keeps a bounded window ahead of the consumer, as a real producer's broker would.
  const window = 20_000;
  let published = 0;
  for (let i = 0; i < orders; i++) {
    for (const template of templates) {
      const headers = Object.fromEntries(Object.entries(template.headers).map(([k, v]) => [k, stamp(v, i)]));
      await pipeline.publisher.publish('orders', { body: Buffer.from(stamp(template.body, i)), headers, key: `o-${i}` });
      published++;
    }
    while (published - settled > window) await new Promise((r) => setImmediate(r));
    if (i % 10_000 === 0) sampleRss();
  }
  await done;
  const perSecond = total / ((performance.now() - started) / 1000);
  windowCpuSeconds = cpuSince(cpu);
  sampleRss();
  if (deadLettered > 0) throw new Error(`${deadLettered} events were dead-lettered in the benchmark`);
  if (store.size !== orders) throw new Error(`store has ${store.size} orders, expected ${orders}`);
  await pipeline.stop(5_000);
  return perSecond;
}

function heapNow(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function bareHeapPerActor(): number {
  const before = heapNow();
  const actors = Array.from({ length: LIVE_SAMPLE }, (_, i) => {
    const actor = createActor(orderLifecycle).start();
    actor.send(eventsOf(i)[0]);
    return actor;
  });
  const perActor = (heapNow() - before) / LIVE_SAMPLE;
  actors.forEach((a) => a.stop());
  return perActor;
}

/** Heap of a live, warm order actor (its cached record included), its stored record excluded. */
async function orderlyHeapPerActor(): Promise<number> {
  const store = createMemoryOrderStore();
  const deps = { store, clock: systemClock, limits: defaultOrderLimits, park: async () => undefined };
  const envelopeFor = (event: OrderEvent, id: string) =>
    buildEnvelope({ type: event.type, data: event.data, id, correlationId: id, source: '/bench', occurredAt: '2026-01-01T00:00:00.000Z' });
  const warmup = new OrderRegistry({ deps, maxLiveOrders: LIVE_SAMPLE * 2 });
  for (let i = 0; i < LIVE_SAMPLE; i++) await warmup.apply(envelopeFor(eventsOf(i)[0], `c-${i}`));
  warmup.stop();
  const before = heapNow();
  // Rehydrate every order from the store: each is now a live actor holding its record.
  const registry = new OrderRegistry({ deps, maxLiveOrders: LIVE_SAMPLE * 2 });
  for (let i = 0; i < LIVE_SAMPLE; i++) {
    const fail: OrderEvent = { type: 'payment.failed', data: { orderId: `o-${i}`, paymentId: 'x', reason: 'r' } };
    await registry.apply(envelopeFor(fail, `f-${i}`));
  }
  const perActor = (heapNow() - before) / LIVE_SAMPLE;
  if (registry.stats.live !== LIVE_SAMPLE) throw new Error(`expected ${LIVE_SAMPLE} live actors, found ${registry.stats.live}`);
  registry.stop();
  return perActor;
}

/**
 * Each measurement runs in a fresh process, so that one run's heap (a million bare actors, say)
 * is not counted in the next one's resident memory.
 */
async function inChild(task: string, orders: number, nodeFlags: readonly string[] = []): Promise<{ value: number; peakRss: number }> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, ['--expose-gc', ...nodeFlags, fileURLToPath(import.meta.url), '--task', task, String(orders)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { value: number; peakRss: number };
}

async function runTask(task: string, orders: number): Promise<number> {
  switch (task) {
    case 'bare':
      return bareThroughput(orders);
    case 'orderly':
      return pipelineThroughput(orders);
    case 'bare-heap':
      return bareHeapPerActor();
    case 'orderly-heap':
      return orderlyHeapPerActor();
    default:
      throw new Error(`unknown task ${task}`);
  }
}

const taskIndex = process.argv.indexOf('--task');
if (taskIndex >= 0) {
  const value = await runTask(process.argv[taskIndex + 1]!, Number(process.argv[taskIndex + 2]));
  sampleRss();
  // cpuSeconds: the throughput tasks' timed window only; `npm run bench` reads it, the table below does not.
  process.stdout.write(`${JSON.stringify({ value, peakRss, cpuSeconds: windowCpuSeconds })}\n`);
} else {
  const rows: string[] = [];
  for (const orders of orderCounts) {
    const bare = await inChild('bare', orders);
    const ours = await inChild('orderly', orders);
    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MiB`;
    rows.push(
      `| ${orders.toLocaleString('en')} | ${Math.round(bare.value).toLocaleString('en')} | ${Math.round(ours.value).toLocaleString('en')} | ${(ours.value / bare.value).toFixed(2)}× | ${mib(ours.peakRss)} |`,
    );
    process.stderr.write(`orders=${orders} bare=${Math.round(bare.value)}/s orderly=${Math.round(ours.value)}/s rss=${mib(ours.peakRss)}\n`);
    if (orders >= 1_000_000) {
      // V8 lets the heap grow well past what is live before it collects; a cap, as a container
      // would set, shows what the process really needs.
      const capped = await inChild('orderly', orders, [`--max-old-space-size=${HEAP_CAP_MIB}`]);
      rows.push(
        `| ${orders.toLocaleString('en')}, heap capped at ${HEAP_CAP_MIB} MiB | ${Math.round(bare.value).toLocaleString('en')} | ${Math.round(capped.value).toLocaleString('en')} | ${(capped.value / bare.value).toFixed(2)}× | ${mib(capped.peakRss)} |`,
      );
    }
  }
  const bareHeap = (await inChild('bare-heap', LIVE_SAMPLE)).value;
  const ourHeap = (await inChild('orderly-heap', LIVE_SAMPLE)).value;
  process.stdout.write(
    [
      `Node ${process.version}, ${new Date().toISOString()}`,
      '',
      '| orders (2 events each) | bare XState events/s | Orderly pipeline events/s | ratio | Orderly peak RSS |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      '| heap per live order actor | bare XState | Orderly | ratio |',
      '| --- | ---: | ---: | ---: |',
      `| ${LIVE_SAMPLE.toLocaleString('en')} live actors | ${Math.round(bareHeap)} B | ${Math.round(ourHeap)} B | ${(ourHeap / bareHeap).toFixed(2)}× |`,
      '',
    ].join('\n'),
  );
}
