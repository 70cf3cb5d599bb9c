import type { Clock } from '../domain/clock.js';
import { createKafkaGateway } from '../gateways/kafka/createKafkaGateway.js';
import { createMemoryBroker } from '../gateways/memory/index.js';
import { createNatsCoreGateway } from '../gateways/nats/createNatsCoreGateway.js';
import { createNatsGateway } from '../gateways/nats/createNatsGateway.js';
import { createRabbitMqGateway } from '../gateways/rabbitmq/createRabbitMqGateway.js';
import { createRedisListGateway } from '../gateways/redis/createRedisListGateway.js';
import { createRedisStreamsGateway } from '../gateways/redis/createRedisStreamsGateway.js';
import type { BrokerGateway } from '../streams/brokerGateway.js';
import type { LogPort } from '../streams/logPort.js';
import type { Config, SourceName } from './config.js';

export type { BrokerGateway };

/** The gateway for one of `ORDERLY_SOURCES`, configured from the rest of the config. */
export function createBrokerGateway(name: SourceName, config: Config, clock: Clock, log: LogPort): BrokerGateway {
  switch (name) {
    case 'memory':
      return createMemoryBroker({ maxChannelDepth: config.ORDERLY_MEMORY_MAX_DEPTH, clock });
    case 'kafka':
      return createKafkaGateway({ brokers: config.KAFKA_BROKERS, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS }, { clock, log });
    case 'rabbitmq':
      return createRabbitMqGateway({ url: config.AMQP_URL, connectionName: config.ORDERLY_AMQP_CONNECTION_NAME }, { clock });
    case 'nats':
      return createNatsGateway({ servers: config.NATS_URL, stream: config.ORDERLY_NATS_STREAM }, { clock, log });
    case 'nats-core':
      // At-most-once, as the Go original's plain and queue subscriptions: see the README.
      return createNatsCoreGateway({ servers: config.NATS_URL, maxBuffered: config.ORDERLY_NATS_CORE_MAX_BUFFERED }, { clock, log });
    case 'redis':
      return createRedisStreamsGateway({ url: config.REDIS_URL, claimIdleMs: config.ORDERLY_REDIS_CLAIM_IDLE_MS }, { clock });
    case 'redis-list':
      // The Go original's `LPUSH queue:<type>`: the list key is `queue:` + the channel.
      return createRedisListGateway({ url: config.REDIS_URL }, { clock });
  }
}
