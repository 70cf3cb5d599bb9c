import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_SUFFIX, declareTopology } from '../../src/gateways/rabbitmq/declareTopology.js';
import { resolveRabbitMqOptions } from '../../src/gateways/rabbitmq/rabbitMqOptions.js';
import type { BrokerBench, BrokerUrls, RunningConsumer } from './brokerBench.js';
import { BENCH_EVENT_TYPES, goEvents, inSlices } from './goEvents.js';
import type { Meter } from './meter.js';
import type { RunNames } from './runNames.js';

const queuesOf = (names: RunNames) => BENCH_EVENT_TYPES.map(names.channel);

/** A connection whose errors surface through the failed operation instead of crashing the process. */
async function connection(urls: BrokerUrls, name: string): Promise<ChannelModel> {
  const model = await connect(urls.amqpUrl, { clientProperties: { connection_name: name } });
  model.on('error', () => undefined);
  return model;
}

/**
 * A consumer per queue on one channel, each with its own prefetch (quorum queues refuse a
 * channel-wide one). `flush` is one round trip on the same channel: RabbitMQ handles a
 * channel's frames in order, so every ack sent before it has been processed when it answers.
 */
async function consuming(urls: BrokerUrls, names: RunNames, meter: Meter, prefetch: number, handle: (channel: Channel, message: ConsumeMessage) => void): Promise<RunningConsumer> {
  const model = await connection(urls, `${names.runId}-consumer`);
  const channel = await model.createChannel();
  let stopping = false;
  channel.on('error', () => undefined);
  channel.on('close', () => {
    if (!stopping) meter.acked.fail(new Error('RabbitMQ closed the consumer channel'));
  });
  await channel.prefetch(prefetch);
  for (const queue of queuesOf(names)) {
    await channel.consume(queue, (message) => message && handle(channel, message), { noAck: false });
  }
  return {
    flush: async () => {
      await channel.checkQueue(queuesOf(names)[0]!);
    },
    stop: () => {
      stopping = true;
      return model.close();
    },
  };
}

/** RabbitMQ with amqplib: Orderly's own topology (topic exchange `orders`, a quorum queue per type). */
export function rabbitMqBench(urls: BrokerUrls): BrokerBench {
  const options = resolveRabbitMqOptions({ url: urls.amqpUrl });
  return {
    name: 'rabbitmq',

    async publish(names, orders) {
      const model = await connection(urls, `${names.runId}-producer`);
      try {
        const channel = await model.createConfirmChannel();
        await declareTopology(channel, options, queuesOf(names));
        // Persistent messages on a confirm channel, confirmed per slice, as a Go producer with
        // publisher confirms would; a full socket buffer is waited out ('drain').
        await inSlices(goEvents(orders), 1000, async (slice) => {
          for (const event of slice) {
            if (!channel.publish(options.exchange, names.channel(event.type), event.body, { persistent: true })) await once(channel, 'drain');
          }
          await channel.waitForConfirms();
        });
      } finally {
        await model.close();
      }
    },

    // Per-consumer prefetch of half the window each (the window split between the two queues,
    // as Orderly splits its credit), every message acked on its own.
    raw: (names, meter, window) =>
      consuming(urls, names, meter, Math.max(1, Math.floor(window / BENCH_EVENT_TYPES.length)), (channel, message) => {
        meter.received();
        channel.ack(message);
        meter.acked.tick();
      }),

    // prefetch 1 and an async handler: one message at a time per queue.
    sequential: (names, meter, handlerMs) =>
      consuming(urls, names, meter, 1, (channel, message) => {
        meter.received();
        void sleep(handlerMs)
          .then(() => {
            channel.ack(message);
            meter.acked.tick();
          })
          .catch(() => undefined); // the channel closed under a late handler: the message goes back to the queue
      }),

    async cleanup(names) {
      const model = await connection(urls, `${names.runId}-cleanup`);
      try {
        for (const queue of queuesOf(names).flatMap((q) => [q, q + DEAD_LETTER_SUFFIX])) {
          // A failed delete closes the channel, so each gets a fresh one.
          const channel = await model.createChannel();
          channel.on('error', () => undefined);
          await channel.deleteQueue(queue).catch(() => undefined);
          await channel.close().catch(() => undefined);
        }
      } finally {
        await model.close();
      }
    },
  };
}
