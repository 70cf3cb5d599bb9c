import { pino, type Level } from 'pino';
import { tap } from 'rxjs';
import { createBrokerGateway, type BrokerGateway } from '../../src/app/brokerGateway.js';
import { loadConfig } from '../../src/app/config.js';
import { startPipeline } from '../../src/app/startPipeline.js';
import { systemClock } from '../../src/domain/clock.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import type { BenchBroker } from './brokerBench.js';
import { BENCH_EVENT_TYPES, orderIdOf } from './goEvents.js';
import { Countdown, Meter, within, type Measurement } from './meter.js';
import type { RunNames } from './runNames.js';

export interface OrderlyRunOptions {
  /** ORDERLY_CREDIT: most unsettled deliveries in flight. */
  readonly credit: number;
  /** Longest wait for every order to reach its final state. */
  readonly timeoutMs: number;
  /** Orderly's log level (to stderr). */
  readonly logLevel: Level | 'silent';
  /** The broker settings of the environment (KAFKA_BROKERS, AMQP_URL, NATS_URL, REDIS_URL), passed on as they are. */
  readonly brokerEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * Orderly consuming the run's channels through the whole pipeline (`startPipeline`, as `npm start`
 * runs it without the HTTP face) with the Redis order store, until every order is paid. The
 * window opens at the first delivery the gateway hands the pipeline and closes when the last
 * event is acked and the last order has reached `paid`. Afterwards every order is read back from
 * the store: paid, version 2 (each event applied exactly once), nothing dead-lettered.
 */
export async function runOrderly(broker: BenchBroker, names: RunNames, orders: number, options: OrderlyRunOptions): Promise<Measurement> {
  const config = loadConfig({
    ...options.brokerEnv,
    LOG_LEVEL: options.logLevel,
    ORDERLY_SOURCES: broker,
    ORDERLY_STORE: 'redis',
    ORDERLY_REDIS_KEY_PREFIX: names.storeKeyPrefix,
    ORDERLY_CHANNEL_PREFIX: names.channelPrefix,
    ORDERLY_CHANNELS: BENCH_EVENT_TYPES.join(','),
    ORDERLY_CONSUMER_GROUP: names.group,
    ORDERLY_NATS_STREAM: names.natsStream,
    ORDERLY_CREDIT: String(options.credit),
  });
  const logger = pino({ level: config.LOG_LEVEL }, pino.destination(2));
  const meter = new Meter(orders * 2, `${broker} orderly`);
  const paid = new Countdown(orders, `${broker} orderly: orders paid`);
  let notAcked = 0;

  // The gateway Orderly would make, with a tap that opens the window at its first delivery.
  const gateway = createBrokerGateway(broker, config, systemClock, logger);
  const metered: BrokerGateway = { ...gateway, consume: (consume) => gateway.consume(consume).pipe(tap(() => meter.received())) };
  try {
    const pipeline = await within(60_000, `${broker} orderly: starting the pipeline`, startPipeline(config, { logger, gateways: { [broker]: metered } }));
    try {
      pipeline.settled$.subscribe((record) => {
        if (record.settlement.kind === 'retry') return; // it comes back and settles again
        if (record.settlement.kind === 'ack') meter.acked.tick();
        else {
          notAcked++;
          meter.acked.fail(new Error(`${broker} orderly: an event was dead-lettered: ${JSON.stringify(record.settlement)}`));
        }
      });
      pipeline.changes$.subscribe((change) => {
        if (change.to === 'paid') paid.tick();
      });
      const started = performance.now();
      await meter.acked.reached(options.timeoutMs);
      await paid.reached(Math.max(1, options.timeoutMs - (performance.now() - started)));
      const measurement = meter.close();
      if (notAcked > 0) throw new Error(`${broker} orderly: ${notAcked} events were not acked`);
      await within(120_000, `${broker} orderly: reading the final states back`, expectAllPaid(pipeline.store, orders, broker));
      return measurement;
    } finally {
      await within(30_000, `${broker} orderly: stopping the pipeline`, pipeline.stop(10_000));
    }
  } finally {
    await within(15_000, `${broker} orderly: closing the gateway`, gateway.close());
  }
}

/** Every order stored as paid with version 2: both events applied, neither twice. */
async function expectAllPaid(store: OrderStore, orders: number, broker: BenchBroker): Promise<void> {
  const chunk = 500;
  for (let from = 0; from < orders; from += chunk) {
    const ids = Array.from({ length: Math.min(chunk, orders - from) }, (_, k) => orderIdOf(from + k));
    const records = await Promise.all(ids.map((id) => store.load(id)));
    records.forEach((record, k) => {
      if (record?.status !== 'paid' || record.version !== 2) {
        throw new Error(`${broker} orderly: order ${ids[k]} is ${record ? `${record.status} at version ${record.version}` : 'not stored'}, expected paid at version 2`);
      }
    });
  }
}
