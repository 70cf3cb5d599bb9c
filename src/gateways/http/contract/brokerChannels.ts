import { resolveRabbitMqOptions } from '../../rabbitmq/rabbitMqOptions.js';
import { resolveRedisListOptions } from '../../redis/redisListOptions.js';

/**
 * The brokers Orderly can consume from, as `ORDERLY_SOURCES` names them. Kept apart from the
 * config's list because a gateway may not import `src/app`; the wiring passes
 * `config.ORDERLY_SOURCES` in, so a source added there and not here fails to compile.
 */
export const BROKERS = ['memory', 'kafka', 'rabbitmq', 'nats', 'nats-core', 'redis', 'redis-list'] as const;
export type BrokerName = (typeof BROKERS)[number];

/** How one broker names, carries and dead-letters a channel, as its gateway does it. */
export interface BrokerChannels {
  /** AsyncAPI server protocol. */
  readonly protocol: string;
  /** What a channel is on this broker and how headers travel; the channel's description. */
  readonly carries: string;
  /** The broker-side name of `channel` (already prefixed with `ORDERLY_CHANNEL_PREFIX`). */
  address(channel: string): string;
  /** The broker-side name of `channel`'s dead-letter channel (the gateway's `deadLetterChannel`, then `address`). */
  deadLetterAddress(channel: string): string;
  /** AsyncAPI channel bindings of `channel`, or of its dead-letter channel. */
  bindings?(channel: string, deadLetter: boolean): Record<string, unknown>;
}

// The gateways' own defaults: createBrokerGateway does not change exchanges or key prefixes.
const rabbit = resolveRabbitMqOptions();
const redisList = resolveRedisListOptions();

const headers = 'Headers are broker headers, names lower-cased on receipt.';

/** Every broker's channel conventions; each entry mirrors its gateway's doc comment. */
export const BROKER_CHANNELS: { readonly [B in BrokerName]: BrokerChannels } = {
  memory: {
    protocol: 'memory',
    carries: 'A channel of the embedded in-process broker: only this process can read or write it.',
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}.dlq`,
  },
  kafka: {
    protocol: 'kafka',
    carries: `A Kafka topic; the record key is the order id, so one order's events share a partition. ${headers}`,
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}.dlq`,
    bindings: (channel, deadLetter) => ({ kafka: { topic: deadLetter ? `${channel}.dlq` : channel, bindingVersion: '0.5.0' } }),
  },
  rabbitmq: {
    protocol: 'amqp',
    carries:
      `Published to the topic exchange \`${rabbit.exchange}\` with the channel name as routing key, consumed from the quorum queue of that name; ` +
      `dead letters go through \`${rabbit.deadLetterExchange}\` to the queue \`<channel>.dlq\`. ${headers} The key travels as header \`x-orderly-key\`.`,
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}.dlq`,
    bindings: (channel, deadLetter) => ({
      amqp: deadLetter
        ? { is: 'queue', queue: { name: `${channel}.dlq`, durable: true, exclusive: false, autoDelete: false }, bindingVersion: '0.3.0' }
        : { is: 'routingKey', exchange: { name: rabbit.exchange, type: 'topic', durable: true, autoDelete: false }, bindingVersion: '0.3.0' },
    }),
  },
  nats: {
    protocol: 'nats',
    carries: `A JetStream subject, captured by the stream \`ORDERLY_NATS_STREAM\` with its \`.dlq\` subject. ${headers} The key travels as header \`x-orderly-key\`.`,
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}.dlq`,
  },
  'nats-core': {
    protocol: 'nats',
    carries: `A core NATS subject: at-most-once, a message nobody is subscribed for is lost. ${headers}`,
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}.dlq`,
  },
  redis: {
    protocol: 'redis',
    carries:
      'A Redis stream. The body is field `event` (structured CloudEvent) or `data` (anything else); headers `message-id` and `correlation_id` ' +
      'are fields `id` and `correlation_id`, every other header is a field `h:<name>`, the key is field `key`.',
    address: (channel) => channel,
    deadLetterAddress: (channel) => `${channel}:dlq`,
  },
  'redis-list': {
    protocol: 'redis',
    carries:
      `A Redis list, key \`${redisList.keyPrefix}<channel>\`, for producers that LPUSH. A pushed entry is the bare body: no headers, so a CloudEvent ` +
      'must be structured. Orderly writes its own entries as `ORDERLY/1 {"key","headers","body"}`.',
    address: (channel) => `${redisList.keyPrefix}${channel}`,
    deadLetterAddress: (channel) => `${redisList.keyPrefix}${channel}:dlq`,
  },
};
