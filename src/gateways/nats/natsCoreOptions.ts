import { InvalidNatsOptionsError, type NatsOptions } from './natsOptions.js';

/** Settings of the core NATS gateway (`createNatsCoreGateway`); every one has a default. */
export interface NatsCoreOptions {
  /** Server address(es). @default '127.0.0.1:4222' */
  readonly servers?: NatsOptions['servers'];
  /**
   * Messages one consumer keeps waiting for credit. Core NATS has no flow control: the server
   * pushes whatever is published, so what arrives while the pipeline is out of credit waits here,
   * and what arrives when this is full is dropped and counted. 0 keeps nothing beyond the credit.
   * @default 10_000
   */
  readonly maxBuffered?: number;
  /** Connection name shown in the server's monitoring. @default 'orderly' */
  readonly name?: string;
  /** How long the first connection may take before start fails. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Wait between reconnect attempts; the gateway reconnects forever. @default 2000 */
  readonly reconnectWaitMs?: number;
  /** How long `publish` waits for the server to confirm it has the message (flush). @default 10_000 */
  readonly flushTimeoutMs?: number;
  /** How long `close` lets the connection drain before it is closed outright. @default 5000 */
  readonly closeTimeoutMs?: number;
  /** At most one log line about dropped messages per consumer per this interval. @default 10_000 */
  readonly dropLogIntervalMs?: number;
}

export interface ResolvedNatsCoreOptions {
  readonly servers: string[];
  readonly maxBuffered: number;
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly reconnectWaitMs: number;
  readonly flushTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly dropLogIntervalMs: number;
}

const positive = (value: number, what: string) => {
  if (!(Number.isSafeInteger(value) && value >= 1)) throw new InvalidNatsOptionsError(`${what} must be a positive whole number, got ${String(value)}`);
  return value;
};

/** Fills in the defaults and rejects what cannot work, with `InvalidNatsOptionsError` naming the option. */
export function resolveNatsCoreOptions(options: NatsCoreOptions = {}): ResolvedNatsCoreOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? ['127.0.0.1:4222'])];
  if (servers.length === 0) throw new InvalidNatsOptionsError('servers must name at least one server');
  const maxBuffered = options.maxBuffered ?? 10_000;
  if (!(Number.isSafeInteger(maxBuffered) && maxBuffered >= 0)) {
    throw new InvalidNatsOptionsError(`maxBuffered must be a whole number, 0 or more, got ${String(maxBuffered)}`);
  }
  const name = options.name ?? 'orderly';
  if (name.length === 0) throw new InvalidNatsOptionsError('name must not be empty');
  return {
    servers,
    maxBuffered,
    name,
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 5000, 'connectTimeoutMs'),
    reconnectWaitMs: positive(options.reconnectWaitMs ?? 2000, 'reconnectWaitMs'),
    flushTimeoutMs: positive(options.flushTimeoutMs ?? 10_000, 'flushTimeoutMs'),
    closeTimeoutMs: positive(options.closeTimeoutMs ?? 5000, 'closeTimeoutMs'),
    dropLogIntervalMs: positive(options.dropLogIntervalMs ?? 10_000, 'dropLogIntervalMs'),
  };
}
