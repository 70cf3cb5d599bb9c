import type { BenchBroker, BrokerBench, BrokerUrls } from './brokerBench.js';
import { consumeTimeoutMs, publishTimeoutMs, type BenchSettings } from './benchSettings.js';
import { assertGoEventsValid } from './goEvents.js';
import { kafkaBench } from './kafkaBench.js';
import { Meter, within, type Measurement } from './meter.js';
import { natsBench } from './natsBench.js';
import { runOrderly } from './orderlyRun.js';
import { rabbitMqBench } from './rabbitMqBench.js';
import { deleteKeysStartingWith, redisFor } from './redisKeys.js';
import { redisBench } from './redisBench.js';
import { runNames, type RunNames } from './runNames.js';

export const TASK_KINDS = ['raw', 'orderly', 'sequential'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export function brokerBench(broker: BenchBroker, urls: BrokerUrls): BrokerBench {
  switch (broker) {
    case 'kafka':
      return kafkaBench(urls);
    case 'rabbitmq':
      return rabbitMqBench(urls);
    case 'nats':
      return natsBench(urls);
    case 'redis':
      return redisBench(urls);
  }
}

/** Removes everything a run made: the broker's channels, groups and consumers, and Orderly's store keys. Bounded; never rejects. */
export async function cleanupRun(broker: BenchBroker, names: RunNames, urls: BrokerUrls): Promise<string[]> {
  const problems: string[] = [];
  await within(60_000, `${broker}: deleting the run's channels`, brokerBench(broker, urls).cleanup(names)).catch((e: unknown) => problems.push(String(e)));
  const redis = redisFor(urls.redisUrl, `${names.runId}-cleanup`);
  await within(60_000, `deleting the run's store keys`, deleteKeysStartingWith(redis, names.storeKeyPrefix)).catch((e: unknown) => problems.push(String(e)));
  redis.disconnect();
  return problems;
}

/**
 * One measurement, start to end, in this process: publish `orders` orders to channels of the run
 * `runId`, consume them with `kind`, and delete everything the run made, whatever happened.
 */
export async function runTask(settings: BenchSettings, broker: BenchBroker, kind: TaskKind, orders: number, runId: string): Promise<Measurement> {
  assertGoEventsValid();
  const names = runNames(runId);
  const bench = brokerBench(broker, settings.urls);
  const events = orders * 2;
  try {
    await within(publishTimeoutMs(events), `${broker}: publishing ${events} events`, bench.publish(names, orders));
    (globalThis as { gc?: () => void }).gc?.(); // the producer's garbage is not the consumer's cost
    if (kind === 'orderly') {
      return await runOrderly(broker, names, orders, {
        credit: settings.credit,
        timeoutMs: consumeTimeoutMs(settings, events),
        logLevel: settings.logLevel,
        brokerEnv: settings.brokerEnv,
      });
    }
    const meter = new Meter(events, `${broker} ${kind}`);
    const consumer = await within(
      60_000,
      `${broker} ${kind}: starting the consumer`,
      kind === 'raw' ? bench.raw(names, meter, settings.credit) : bench.sequential(names, meter, settings.handlerMs),
    );
    try {
      await meter.acked.reached(consumeTimeoutMs(settings, events));
      await within(30_000, `${broker} ${kind}: flushing the acks`, consumer.flush());
      return meter.close();
    } finally {
      await within(30_000, `${broker} ${kind}: stopping the consumer`, consumer.stop()).catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
    }
  } finally {
    for (const problem of await cleanupRun(broker, names, settings.urls)) process.stderr.write(`cleanup of ${runId}: ${problem}\n`);
  }
}
