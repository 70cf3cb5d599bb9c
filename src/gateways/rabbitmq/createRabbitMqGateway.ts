import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import { consumeQueues } from './consumeQueues.js';
import { DEAD_LETTER_SUFFIX, declareTopology } from './declareTopology.js';
import { toPublishOptions } from './rabbitMessage.js';
import { resolveRabbitMqOptions, type RabbitMqOptions } from './rabbitMqOptions.js';

/** This gateway is a plain `BrokerGateway`; its specifics are in the doc comment below. */
export type RabbitMqGateway = BrokerGateway;

/**
 * The RabbitMQ gateway. Channels are queues named after the event type, bound to the topic
 * exchange `orders` by that routing key; credit is the channel prefetch; a dead letter is
 * republished to `orders.dlx` with its reason headers, confirmed, and only then is the original
 * acked. Publishing resolves on the publisher confirm; a `<channel>.dlq` is published to through
 * `orders.dlx` by its base name. RabbitMQ has no consumer groups: a queue is one group, and the
 * consumers of a queue compete. `group` is therefore not used here.
 */
export function createRabbitMqGateway(options: RabbitMqOptions = {}, deps: { clock?: Clock } = {}): RabbitMqGateway {
  const config = resolveRabbitMqOptions(options);
  const clock = deps.clock ?? systemClock;
  let connecting: Promise<ChannelModel> | undefined;
  let confirming: Promise<ConfirmChannel> | undefined;
  const declared = new Set<string>();
  let closing: Promise<void> | undefined;

  const connection = () => {
    if (closing) return Promise.reject(new Error('RabbitMQ gateway is closed'));
    return (connecting ??= connect(config.url, { clientProperties: { connection_name: config.connectionName } }).then((model) => {
      // A connection error also closes it; the consumers see their channel close. Without a
      // listener the EventEmitter would throw it at the process.
      model.on('error', () => undefined);
      model.on('close', () => {
        connecting = undefined;
        confirming = undefined;
        declared.clear();
      });
      return model;
    }));
  };
  const confirmChannel = () => (confirming ??= connection().then((c) => c.createConfirmChannel()));

  const ensureTopology = async (names: readonly string[]) => {
    const missing = names.filter((n) => !declared.has(n));
    if (missing.length === 0) return;
    await declareTopology(await confirmChannel(), config, missing);
    for (const n of missing) declared.add(n);
  };

  const confirmedPublish = async (exchange: string, routingKey: string, body: Buffer, publishOptions: ReturnType<typeof toPublishOptions>) => {
    const channel = await confirmChannel();
    await new Promise<void>((resolve, reject) => {
      channel.publish(exchange, routingKey, body, publishOptions, (error) => (error ? reject(error) : resolve()));
    });
  };

  const close = () =>
    (closing ??= (async () => {
      const open = connecting;
      if (!open) return;
      const model = await open.catch(() => undefined);
      if (!model) return;
      const timeout = new Promise<void>((resolve) => clock.setTimeout(resolve, config.closeTimeoutMs));
      await Promise.race([model.close().catch(() => undefined), timeout]);
    })());

  return {
    consume: (consumeOptions) =>
      consumeQueues(
        {
          connection,
          options: config,
          clock,
          publishDeadLetter: (routingKey, body, headers) =>
            confirmedPublish(config.deadLetterExchange, routingKey, body, { persistent: true, headers }),
        },
        consumeOptions,
      ),
    publish: async (channel, message) => {
      await ensureTopology([channel]);
      // A dead-letter channel is reached through the dead-letter exchange, by its base name.
      const deadLetter = channel.endsWith(DEAD_LETTER_SUFFIX);
      const exchange = deadLetter ? config.deadLetterExchange : config.exchange;
      const routingKey = deadLetter ? channel.slice(0, -DEAD_LETTER_SUFFIX.length) : channel;
      await confirmedPublish(exchange, routingKey, Buffer.from(message.body), toPublishOptions(message));
    },
    deadLetterChannel: (channel) => channel + DEAD_LETTER_SUFFIX,
    prepare: ensureTopology,
    close,
    [Symbol.asyncDispose]: close,
  };
}
