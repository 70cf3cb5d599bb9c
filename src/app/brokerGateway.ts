import type { Clock } from '../domain/clock.js';
import { createMemoryBroker } from '../gateways/memory/index.js';
import { createKafkaGateway } from '../gateways/kafka/createKafkaGateway.js';
import { createNatsGateway } from '../gateways/nats/createNatsGateway.js';
import { createRabbitMqGateway } from '../gateways/rabbitmq/createRabbitMqGateway.js';
import type { Sink, Source } from '../streams/source.js';
import type { Config } from './config.js';

/** What the composition root needs of any broker's gateway. */
export interface BrokerGateway extends Source, Sink {
  /** The channel dead letters of `channel` go to (`<channel>.dlq` on every broker so far). */
  deadLetterChannel(channel: string): string;
  close(): Promise<void>;
}

/** The gateway `ORDERLY_BROKER` names, configured from the rest of the config. */
export function createBrokerGateway(config: Config, clock: Clock): BrokerGateway {
  switch (config.ORDERLY_BROKER) {
    case 'memory':
      return createMemoryBroker({ maxChannelDepth: config.ORDERLY_MEMORY_MAX_DEPTH, clock });
    case 'kafka':
      return createKafkaGateway({ brokers: config.ORDERLY_KAFKA_BROKERS }, { clock });
    case 'rabbitmq':
      return createRabbitMqGateway({ url: config.ORDERLY_RABBITMQ_URL }, { clock });
    case 'nats':
      return createNatsGateway({ servers: config.ORDERLY_NATS_SERVERS, stream: config.ORDERLY_NATS_STREAM }, { clock });
  }
}
