import { BROKER_CHANNELS, type BrokerName } from './brokerChannels.js';

/**
 * `host[:port]` of each address, joined with commas (a Kafka bootstrap list, NATS servers).
 * Only the host survives: user, password, path and query are dropped, so a URL with credentials
 * in it (`amqp://user:secret@…`) never reaches a document anyone may read. An address that
 * does not parse is left out rather than shown as given.
 */
export function hostsOf(addresses: readonly string[]): string | undefined {
  const hosts = addresses.flatMap((address) => {
    const url = address.includes('://') ? address : `tcp://${address}`;
    try {
      const { host } = new URL(url);
      return host === '' ? [] : [host];
    } catch {
      return [];
    }
  });
  return hosts.length === 0 ? undefined : hosts.join(',');
}

/** One AsyncAPI server per broker consumed from; the embedded broker has no address but the process. */
export function asyncApiServers(sources: readonly BrokerName[], brokerUrls: Partial<Record<BrokerName, readonly string[]>>): Record<string, unknown> {
  return Object.fromEntries(
    sources.map((broker) => {
      const host = broker === 'memory' ? 'in-process' : hostsOf(brokerUrls[broker] ?? []);
      return [
        broker,
        {
          host: host ?? 'localhost',
          protocol: BROKER_CHANNELS[broker].protocol,
          title: broker,
          ...(host === undefined ? { description: 'Address not given to the document; see the broker URL settings.' } : {}),
        },
      ];
    }),
  );
}
