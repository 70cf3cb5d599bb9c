/**
 * The keys one consumer uses on one channel, all under the channel's list key so that they sit
 * together (`redis-cli --scan --pattern 'queue:order.created*'`):
 *
 * - `source`: the list producers `LPUSH` to, `<keyPrefix><channel>`;
 * - `processing`: what this consumer holds unsettled, `<source>:processing:<consumer>`;
 * - `liveness`: exists (with a TTL) while the consumer lives, `<source>:alive:<consumer>`;
 * - `registry`: the set of consumers that may have a processing list, `<source>:consumers`,
 *   which is how a janitor finds them without scanning the keyspace.
 */
export interface ListKeys {
  readonly channel: string;
  readonly source: string;
  readonly processing: string;
  readonly liveness: string;
  readonly registry: string;
}

export function listKeys(keyPrefix: string, channel: string, consumer: string): ListKeys {
  const source = keyPrefix + channel;
  return {
    channel,
    source,
    processing: `${source}:processing:${consumer}`,
    liveness: `${source}:alive:${consumer}`,
    registry: `${source}:consumers`,
  };
}
