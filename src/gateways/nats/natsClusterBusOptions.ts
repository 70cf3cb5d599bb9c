import { NatsClusterBusOptionsError } from './natsClusterBusErrors.js';

/** Settings of `createNatsClusterBus`; every one has a default. */
export interface NatsClusterBusOptions {
  /** Server address(es). @default '127.0.0.1:4222' */
  readonly servers?: string | readonly string[];
  /** The sequencer stream (memory storage); every instance of one cluster uses the same. @default 'ORDERLY_HUB_BUS' */
  readonly stream?: string;
  /** The one subject the stream captures and the bus publishes on. No wildcards. @default 'orderly.hub.bus' */
  readonly subject?: string;
  /** The stream keeps at most this many messages, dropping the oldest (discard old). @default 10_000 */
  readonly maxMessages?: number;
  /** The stream drops a message this old (discard old). @default 60_000 */
  readonly maxAgeMs?: number;
  /** Largest message `publish` accepts, counted as the UTF-8 bytes of its JSON; also the stream's `max_msg_size`. @default 262_144 */
  readonly maxMessageBytes?: number;
  /**
   * Most messages one instance's consumer asks the server for at once: what the server may have
   * on its way to this instance. nats.js hands each one to `messages$` as it arrives (callback
   * form) and holds none. @default 256
   */
  readonly pullBatch?: number;
  /**
   * How long one pull waits at the server; heartbeats come every half of it, and two missed ones
   * (or a reconnect) make the consumer check itself, recreate the stream if it is gone and go on
   * from the last sequence it saw. At least 1000. @default 5_000
   */
  readonly pullExpiresMs?: number;
  /** Connection name shown in the server's monitoring. @default 'orderly-hub-bus' */
  readonly name?: string;
  /** How long the first connection may take before it fails. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** Wait between reconnect attempts; the bus reconnects without end. @default 2_000 */
  readonly reconnectWaitMs?: number;
  /** How long a publish (and every JetStream API request) waits for the server's answer. @default 5_000 */
  readonly requestTimeoutMs?: number;
  /** How long `close` waits for the consumer to be deleted and the connection to drain. @default 5_000 */
  readonly closeTimeoutMs?: number;
}

export interface ResolvedNatsClusterBusOptions extends Required<Omit<NatsClusterBusOptions, 'servers'>> {
  readonly servers: string[];
}

const positive = (value: number, what: string, min = 1) => {
  if (!(Number.isSafeInteger(value) && value >= min)) throw new NatsClusterBusOptionsError(`${what} must be a whole number of at least ${min}, got ${String(value)}`);
  return value;
};

/** Fills in the defaults and rejects what cannot work, with `NatsClusterBusOptionsError` naming the option. */
export function resolveNatsClusterBusOptions(options: NatsClusterBusOptions = {}): ResolvedNatsClusterBusOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? ['127.0.0.1:4222'])];
  if (servers.length === 0) throw new NatsClusterBusOptionsError('servers must name at least one server');
  const stream = options.stream ?? 'ORDERLY_HUB_BUS';
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new NatsClusterBusOptionsError(`stream must be letters, digits, '_' and '-', got ${JSON.stringify(stream)}`);
  const subject = options.subject ?? 'orderly.hub.bus';
  if (!/^[^.*>\s]+(\.[^.*>\s]+)*$/.test(subject)) throw new NatsClusterBusOptionsError(`subject must be dot-separated tokens without wildcards, got ${JSON.stringify(subject)}`);
  const name = options.name ?? 'orderly-hub-bus';
  if (name.length === 0) throw new NatsClusterBusOptionsError('name must not be empty');
  return {
    servers,
    stream,
    subject,
    name,
    maxMessages: positive(options.maxMessages ?? 10_000, 'maxMessages'),
    maxAgeMs: positive(options.maxAgeMs ?? 60_000, 'maxAgeMs'),
    maxMessageBytes: positive(options.maxMessageBytes ?? 262_144, 'maxMessageBytes'),
    pullBatch: positive(options.pullBatch ?? 256, 'pullBatch'),
    pullExpiresMs: positive(options.pullExpiresMs ?? 5_000, 'pullExpiresMs', 1000),
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 5_000, 'connectTimeoutMs'),
    reconnectWaitMs: positive(options.reconnectWaitMs ?? 2_000, 'reconnectWaitMs'),
    requestTimeoutMs: positive(options.requestTimeoutMs ?? 5_000, 'requestTimeoutMs'),
    closeTimeoutMs: positive(options.closeTimeoutMs ?? 5_000, 'closeTimeoutMs'),
  };
}
