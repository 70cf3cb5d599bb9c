/**
 * What metrics and logging cost (issue 6): Orderly's whole pipeline with Prometheus metrics
 * attached (`countReceived` on every delivery, `attach(pipeline)`, a scrape every second, the Kafka
 * lag included) and pino at `info` writing to a real file (/dev/null), against both off (no
 * metrics, pino `silent`), in one run, on the embedded broker and on Kafka. Goal: on ÷ off ≥ 0.9.
 *
 *   npm run build && node dist/bench/metrics.bench.js               # 20k orders, 5 rounds, memory and kafka
 *   BENCH_ORDERS=5000 BENCH_ROUNDS=1 node dist/bench/metrics.bench.js
 *
 * Settings (environment): BENCH_ORDERS (orders, two events each; 20000), BENCH_ROUNDS (5),
 * BENCH_BROKERS (memory,kafka), BENCH_CREDIT (512), BENCH_SCRAPE_MS (1000), and KAFKA_BROKERS.
 *
 * Every measurement runs in a fresh child process (`--task <broker> <on|off> <orders> <run id>`),
 * on the Go producers' events published beforehand, with the embedded order store so that the
 * pipeline's own cost is what is compared. The window opens at the first delivery and closes at
 * the last ack (bench/brokers/meter.ts). The two modes alternate, and swap places every round.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { tap } from 'rxjs';
import { createBrokerGateway, type BrokerGateway } from '../src/app/brokerGateway.js';
import { loadConfig } from '../src/app/config.js';
import { createMetrics, metricsOptionsFor } from '../src/app/metrics/index.js';
import { startPipeline } from '../src/app/startPipeline.js';
import { systemClock } from '../src/domain/clock.js';
import { createMemoryOrderStore } from '../src/gateways/memory/index.js';
import type { BrokerUrls } from './brokers/brokerBench.js';
import { assertGoEventsValid, BENCH_EVENT_TYPES, goEvents } from './brokers/goEvents.js';
import { inChild, killCurrentChild, type TaskOutcome } from './brokers/inChild.js';
import { kafkaBench } from './brokers/kafkaBench.js';
import { Meter, within, type Measurement } from './brokers/meter.js';
import { runNames, type RunNames } from './brokers/runNames.js';

const BROKERS = ['memory', 'kafka'] as const;
type Broker = (typeof BROKERS)[number];
const MODES = ['off', 'on'] as const;
type Mode = (typeof MODES)[number];

const env = process.env;
const positive = (name: string, fallback: string): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${env[name]}`);
  return value;
};
const settings = {
  orders: positive('BENCH_ORDERS', '20000'),
  rounds: positive('BENCH_ROUNDS', '5'),
  credit: positive('BENCH_CREDIT', '512'),
  scrapeMs: positive('BENCH_SCRAPE_MS', '1000'),
  brokers: (env.BENCH_BROKERS ?? BROKERS.join(',')).split(',').map((b) => b.trim()) as Broker[],
};
for (const broker of settings.brokers) if (!(BROKERS as readonly string[]).includes(broker)) throw new Error(`BENCH_BROKERS: unknown broker ${broker}; known: ${BROKERS.join(', ')}`);
const defaults = loadConfig({ KAFKA_BROKERS: env.KAFKA_BROKERS });
const urls: BrokerUrls = { kafkaBrokers: defaults.KAFKA_BROKERS, amqpUrl: defaults.AMQP_URL, natsServers: defaults.NATS_URL, redisUrl: defaults.REDIS_URL };
const consumeTimeoutMs = (events: number) => (120 + events / 200) * 1000;

/** One measurement in this process: publish, consume through the pipeline in `mode`, clean up. */
async function runTask(broker: Broker, mode: Mode, orders: number, names: RunNames): Promise<Measurement> {
  assertGoEventsValid();
  const events = orders * 2;
  const config = loadConfig({
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    LOG_LEVEL: mode === 'on' ? 'info' : 'silent',
    ORDERLY_SOURCES: broker,
    ORDERLY_STORE: 'memory',
    ORDERLY_MEMORY_MAX_ORDERS: String(orders + 1),
    ORDERLY_CHANNEL_PREFIX: names.channelPrefix,
    ORDERLY_CHANNELS: BENCH_EVENT_TYPES.join(','),
    ORDERLY_CONSUMER_GROUP: names.group,
    ORDERLY_CREDIT: String(settings.credit),
  });
  // As `npm start` logs (pino, synchronous writes), to a real file that costs no disk.
  const logger = mode === 'on' ? pino({ level: 'info', redact: ['req.headers.authorization'] }, pino.destination({ dest: '/dev/null', sync: true })) : pino({ level: 'silent' });
  const kafka = broker === 'kafka' ? kafkaBench(urls) : undefined;
  const gateway = createBrokerGateway(broker, config, systemClock, logger);
  try {
    if (kafka) await within(120_000, 'kafka: publishing', kafka.publish(names, orders));
    else await publishToMemory(gateway, names, orders);
    (globalThis as { gc?: () => void }).gc?.();

    const meter = new Meter(events, `${broker} ${mode}`);
    const metrics = mode === 'on' ? createMetrics(metricsOptionsFor(config)) : undefined;
    const metered: BrokerGateway = {
      ...gateway,
      consume: (options) => {
        const deliveries = gateway.consume(options).pipe(tap(() => meter.received()));
        return metrics ? deliveries.pipe(metrics.countReceived) : deliveries;
      },
    };
    const store = createMemoryOrderStore({ maxOrders: orders + 1 });
    const pipeline = await within(60_000, `${broker}: starting the pipeline`, startPipeline(config, { logger, gateways: { [broker]: metered }, store }));
    const detach = metrics?.attach({ pipeline });
    // Scraped every BENCH_SCRAPE_MS, timed from the acks rather than by a timer: on the embedded
    // broker a backlog is worked off without the event loop ever reaching its timers.
    const scrapes: number[] = [];
    let scraping = false;
    let lastScrape = performance.now();
    const scrape = () => {
      if (!metrics || scraping || performance.now() - lastScrape < settings.scrapeMs) return;
      scraping = true;
      lastScrape = performance.now();
      void metrics
        .metrics()
        .then(() => scrapes.push(performance.now() - lastScrape))
        .finally(() => (scraping = false));
    };
    try {
      pipeline.settled$.subscribe((record) => {
        scrape();
        if (record.settlement.kind === 'ack') meter.acked.tick();
        else if (record.settlement.kind === 'deadLetter') meter.acked.fail(new Error(`${broker} ${mode}: an event was dead-lettered: ${JSON.stringify(record.settlement)}`));
      });
      await meter.acked.reached(consumeTimeoutMs(events));
      const measurement = meter.close();
      if (store.size !== orders) throw new Error(`${broker} ${mode}: the store has ${store.size} orders, expected ${orders}`);
      if (metrics) {
        const lines = (await metrics.metrics()).split('\n');
        const acked = lines.filter((line) => line.startsWith('orderly_deliveries_acked_total{'));
        const counted = acked.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
        if (counted !== events) throw new Error(`${broker} on: the metrics counted ${counted} acks, expected ${events}`);
        const lag = lines.filter((line) => line.startsWith('orderly_kafka_consumer_lag{')).length;
        const mean = scrapes.reduce((a, b) => a + b, 0) / Math.max(1, scrapes.length);
        process.stderr.write(`  (${scrapes.length} scrapes during the run, ${mean.toFixed(1)} ms each on average; ${lag} Kafka lag series in the last)\n`);
      }
      return measurement;
    } finally {
      detach?.();
      await within(30_000, `${broker}: stopping the pipeline`, pipeline.stop(10_000));
      await metrics?.close();
    }
  } finally {
    await within(15_000, `${broker}: closing the gateway`, gateway.close());
    if (kafka) await within(60_000, 'kafka: deleting the run`s topics and group', kafka.cleanup(names)).catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
  }
}

/** The same events, in the same order, as the Kafka run publishes: each order's creation, then its payment. */
async function publishToMemory(gateway: BrokerGateway, names: RunNames, orders: number): Promise<void> {
  await gateway.prepare(BENCH_EVENT_TYPES.map(names.channel));
  for (const event of goEvents(orders)) await gateway.publish(names.channel(event.type), { body: event.body, headers: {}, key: event.orderId });
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const rate = (m: Measurement) => m.messages / m.seconds;
const cpuPerThousand = (m: Measurement) => m.cpuSeconds / (m.messages / 1000);
const whole = (n: number) => Math.round(n).toLocaleString('en');

const script = fileURLToPath(import.meta.url);
const taskIndex = process.argv.indexOf('--task');
if (taskIndex >= 0) {
  const [broker, mode, orders, runId] = process.argv.slice(taskIndex + 1);
  if (!(BROKERS as readonly string[]).includes(broker ?? '') || !(MODES as readonly string[]).includes(mode ?? '') || !runId) {
    throw new Error(`usage: --task <${BROKERS.join('|')}> <${MODES.join('|')}> <orders> <run id>`);
  }
  const finish = (outcome: TaskOutcome, code: number) => process.stdout.write(`${JSON.stringify(outcome)}\n`, () => process.exit(code));
  await runTask(broker as Broker, mode as Mode, Number(orders), runNames(runId)).then(
    (measurement) => finish({ measurement }, 0),
    (error: unknown) => finish({ error: error instanceof Error ? error.message : String(error) }, 1),
  );
} else {
  const base = `bench-metrics-${Date.now().toString(36)}-${process.pid.toString(36)}`;
  let runs = 0;
  let running: { broker: Broker; names: RunNames } | undefined;
  const interrupted = async () => {
    killCurrentChild();
    if (running?.broker === 'kafka') await within(60_000, 'cleanup', kafkaBench(urls).cleanup(running.names)).catch(() => undefined);
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());

  const rows: string[] = [];
  let failed = false;
  for (const broker of settings.brokers) {
    const results: Record<Mode, Measurement[]> = { off: [], on: [] };
    for (let round = 1; round <= settings.rounds; round++) {
      // Off first in odd rounds, on first in even ones: a slow spell or a warming broker hits both alike.
      for (const mode of round % 2 === 1 ? MODES : [...MODES].reverse()) {
        const names = runNames(`${base}-${++runs}`);
        const label = `${broker} ${settings.orders.toLocaleString('en')} orders, round ${round}/${settings.rounds}, metrics+logging ${mode}`;
        running = { broker, names };
        try {
          const m = await inChild(script, [broker, mode, String(settings.orders), names.runId], 120_000 + consumeTimeoutMs(settings.orders * 2) + 120_000);
          results[mode].push(m);
          process.stderr.write(`${label}: ${whole(rate(m))} msg/s, ${cpuPerThousand(m).toFixed(3)} CPU-s per 1k (${m.messages} msgs in ${m.seconds.toFixed(2)} s)\n`);
        } catch (error) {
          failed = true;
          process.stderr.write(`${label}: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
          if (broker === 'kafka') await within(60_000, 'cleanup', kafkaBench(urls).cleanup(names)).catch(() => undefined);
        }
        running = undefined;
      }
    }
    if (results.off.length === 0 || results.on.length === 0) continue;
    const off = median(results.off.map(rate));
    const on = median(results.on.map(rate));
    const cpu = `${median(results.off.map(cpuPerThousand)).toFixed(3)} / ${median(results.on.map(cpuPerThousand)).toFixed(3)}`;
    rows.push(`| ${broker} | ${settings.orders.toLocaleString('en')} | ${results.off.length} + ${results.on.length} | ${whole(off)} | ${whole(on)} | ${(on / off).toFixed(2)} ${on / off >= 0.9 ? '✓' : '✗'} | ${cpu} |`);
  }
  process.stdout.write(
    [
      '| broker | orders | runs (off + on) | off: median msg/s | on: median msg/s | on ÷ off (goal ≥ 0.9) | CPU-s per 1k msgs, off / on |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
  process.exit(failed ? 1 : 0);
}
