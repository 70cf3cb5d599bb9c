import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
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
 *
 * Reconnecting: a lost connection ends each consuming subscription with `RabbitChannelClosedError`
 * (the broker requeues what it had handed out) and rejects each publish still waiting for its
 * confirm. Subscribing again, or publishing again, opens a new connection; a subscription calls
 * `onReady` once its consumers are back in place. The pipeline resubscribes with backoff.
 */
export function createRabbitMqGateway(options: RabbitMqOptions = {}, deps: { clock?: Clock } = {}): RabbitMqGateway {
  const config = resolveRabbitMqOptions(options);
  const clock = deps.clock ?? systemClock;
  let connecting: Promise<ChannelModel> | undefined;
  let confirming: Promise<ConfirmChannel> | undefined;
  const declared = new Set<string>();
  let closing: Promise<void> | undefined;

  /**
   * One connection for the gateway's consumers and its publisher, opened on first use. When it
   * closes (broker restart, connection closed by an operator) it is forgotten, and so are the
   * confirm channel and the declared topology: the next caller opens a new one and declares
   * again. A failed connect is not remembered either, so a broker that comes back is found.
   */
  const connection = (): Promise<ChannelModel> => {
    if (closing) return Promise.reject(new RabbitMqGatewayClosedError());
    if (connecting) return connecting;
    const attempt = connect(config.url, { clientProperties: { connection_name: config.connectionName } }).then((model) => {
      // A connection error also closes it; the consumers see their channel close. Without a
      // listener the EventEmitter would throw it at the process.
      model.on('error', () => undefined);
      model.on('close', () => {
        if (connecting !== attempt) return;
        connecting = undefined;
        confirming = undefined;
        declared.clear();
      });
      return model;
    });
    connecting = attempt;
    attempt.catch(() => {
      if (connecting === attempt) connecting = undefined;
    });
    return attempt;
  };
  /** The publisher's confirm channel; forgotten when it closes, on its own (a channel error) or with the connection. */
  const confirmChannel = (): Promise<ConfirmChannel> => {
    if (confirming) return confirming;
    const opening = connection().then(async (model) => {
      const channel = await model.createConfirmChannel();
      // A channel error closes the channel too; 'close' below handles both. Unlistened, it would crash the process.
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (confirming === opening) confirming = undefined;
      });
      return channel;
    });
    confirming = opening;
    opening.catch(() => {
      if (confirming === opening) confirming = undefined;
    });
    return opening;
  };

  const ensureTopology = async (names: readonly string[]) => {
    const missing = names.filter((n) => !declared.has(n));
    if (missing.length === 0) return;
    await declareTopology(await confirmChannel(), config, missing);
    for (const n of missing) declared.add(n);
  };

  /**
   * Resolves on the broker's confirm; rejects on a nack, on the channel closing before the confirm
   * (amqplib fails every unconfirmed callback then), or after `publishTimeoutMs`: never hangs.
   */
  const confirmedPublish = async (exchange: string, routingKey: string, body: Buffer, publishOptions: ReturnType<typeof toPublishOptions>) => {
    const channel = await confirmChannel();
    let timer: TimerHandle | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = clock.setTimeout(() => reject(new RabbitPublishTimeoutError(routingKey, config.publishTimeoutMs)), config.publishTimeoutMs);
        // Throws at once if the channel is already closing or closed.
        channel.publish(exchange, routingKey, body, publishOptions, (error) => (error ? reject(error) : resolve()));
      });
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
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

/** The gateway was closed: it opens no connection any more. */
export class RabbitMqGatewayClosedError extends Error {
  override readonly name = 'RabbitMqGatewayClosedError';
  constructor() {
    super('RabbitMQ gateway is closed');
  }
}

/** The broker did not confirm a publish in time; it may still have the message (retrying can duplicate it). */
export class RabbitPublishTimeoutError extends Error {
  override readonly name = 'RabbitPublishTimeoutError';
  constructor(routingKey: string, timeoutMs: number) {
    super(`RabbitMQ did not confirm a message for ${routingKey} within ${timeoutMs} ms`);
  }
}
