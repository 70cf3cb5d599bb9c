import { systemClock } from '../../domain/clock.js';
import type { LogPort } from '../../streams/logPort.js';
import { createBrokerGateway, type BrokerGateway } from '../brokerGateway.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { CliFailure, CliUsageError, type CliIo } from './cliIo.js';

/** The brokers the CLI publishes to; `memory` lives inside one Orderly process, out of reach. */
export const PUBLISH_BROKERS = ['kafka', 'rabbitmq', 'nats', 'redis'] as const;
export type PublishBroker = (typeof PUBLISH_BROKERS)[number];

export interface OpenBroker {
  readonly name: PublishBroker;
  readonly gateway: BrokerGateway;
  /** Where the HTTP API publishes: `ORDERLY_CHANNEL_PREFIX` + `ORDERLY_PUBLISH_CHANNEL`. */
  readonly channel: string;
  readonly config: Config;
}

/** `--to`, checked: a usage error names the brokers there are. */
export function publishBroker(to: string | undefined): PublishBroker {
  if (to === undefined) throw new CliUsageError(`--to <broker> is required: one of ${PUBLISH_BROKERS.join(', ')}`);
  if (!(PUBLISH_BROKERS as readonly string[]).includes(to)) {
    throw new CliUsageError(`--to ${JSON.stringify(to)}: must be one of ${PUBLISH_BROKERS.join(', ')} (memory is inside an Orderly process)`);
  }
  return to as PublishBroker;
}

/** Orderly's settings from the environment, as `npm start` reads them; a bad one is a usage error. */
export function cliConfig(io: CliIo): Config {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliUsageError(error.message);
    throw error;
  }
}

/**
 * The real gateway of broker `name`, configured as Orderly configures it, with the publish
 * channel prepared (so that nothing published is dropped); closed after `use`, whatever happens.
 * A broker that cannot be reached is a `CliFailure`.
 */
export async function withBroker<T>(name: PublishBroker, config: Config, io: CliIo, use: (broker: OpenBroker) => Promise<T>): Promise<T> {
  const log: LogPort = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields, message) => io.stderr(`orderly: ${name}: ${message} ${JSON.stringify(fields)}\n`),
    error: (fields, message) => io.stderr(`orderly: ${name}: ${message} ${JSON.stringify(fields)}\n`),
  };
  const gateway = createBrokerGateway(name, config, systemClock, log);
  const channel = (config.ORDERLY_CHANNEL_PREFIX ?? '') + config.ORDERLY_PUBLISH_CHANNEL;
  try {
    try {
      await gateway.prepare([channel]);
    } catch (cause) {
      throw new CliFailure(`${name}: cannot prepare channel ${channel}: ${messageOf(cause)}`, { cause });
    }
    return await use({ name, gateway, channel, config });
  } finally {
    await gateway.close();
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
