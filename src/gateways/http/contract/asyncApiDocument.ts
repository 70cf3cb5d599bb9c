import { asyncApiChannels } from './asyncApiChannels.js';
import { messageComponents } from './asyncApiMessages.js';
import { asyncApiServers } from './asyncApiServers.js';
import type { BrokerName } from './brokerChannels.js';

export interface AsyncApiOptions {
  /** `ORDERLY_CHANNELS`, without the prefix. */
  readonly channels: readonly string[];
  /** `ORDERLY_STATUS_CHANNEL` when status events are published (`ORDERLY_STATUS_EVENTS`); unset: none are. */
  readonly statusChannel?: string;
  /** `ORDERLY_CHANNEL_PREFIX`. @default '' */
  readonly prefix?: string;
  /** `ORDERLY_SOURCES`: the brokers consumed from. */
  readonly sources: readonly BrokerName[];
  /** `ORDERLY_PUBLISH_TO`: where the HTTP API and the outbox publish. @default the first source */
  readonly publishTo?: BrokerName;
  /** `ORDERLY_PUBLISH_CHANNEL`, without the prefix; unset: the HTTP API's publishing is not described. */
  readonly publishChannel?: string;
  /**
   * Broker addresses by source (`KAFKA_BROKERS`, `AMQP_URL`, …). Only host and port are shown:
   * credentials in a URL never reach the document. @default none: hosts show as `localhost`
   */
  readonly brokerUrls?: Partial<Record<BrokerName, readonly string[]>>;
  /** Orderly's version: the document's `info.version`. */
  readonly version: string;
}

/** Options the document cannot describe truthfully. */
export class AsyncApiOptionsError extends Error {
  override readonly name = 'AsyncApiOptionsError';
}

/**
 * The AsyncAPI 3 description of what Orderly consumes and publishes, on the brokers this
 * configuration uses. Message schemas are generated from the zod schemas Orderly validates
 * with, so the document cannot drift from the decoder. It holds no secrets: broker URLs are cut
 * down to host and port.
 * @throws AsyncApiOptionsError without sources, or when `publishTo` is not one of them.
 */
export function asyncApiDocument(options: AsyncApiOptions): Record<string, unknown> {
  const publishTo = options.publishTo ?? options.sources[0];
  if (publishTo === undefined) throw new AsyncApiOptionsError('sources must name at least one broker');
  if (!options.sources.includes(publishTo)) {
    throw new AsyncApiOptionsError(`publishTo (${publishTo}) must be one of the sources (${options.sources.join(', ')})`);
  }
  const { channels, operations } = asyncApiChannels({
    channels: options.channels,
    prefix: options.prefix ?? '',
    sources: options.sources,
    publishTo,
    ...(options.statusChannel === undefined ? {} : { statusChannel: options.statusChannel }),
    ...(options.publishChannel === undefined ? {} : { publishChannel: options.publishChannel }),
  });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Orderly',
      version: options.version,
      description:
        'Order events in, order status events out, as CloudEvents 1.0 on every broker Orderly is configured with. ' +
        'Delivery is at least once: every message carries an `id` to deduplicate on, and one order’s events are keyed by its id. ' +
        'The HTTP API is described at `/openapi.json`.',
    },
    defaultContentType: 'application/cloudevents+json',
    servers: asyncApiServers(options.sources, options.brokerUrls ?? {}),
    channels,
    operations,
    components: messageComponents(),
  };
}
