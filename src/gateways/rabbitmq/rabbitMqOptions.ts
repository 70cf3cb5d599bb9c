export interface RabbitMqOptions {
  /** AMQP URL. @default 'amqp://guest:guest@127.0.0.1:5672' */
  readonly url?: string;
  /** Topic exchange every event is published to, routed by channel name. @default 'orders' */
  readonly exchange?: string;
  /** Dead-letter exchange; `<channel>.dlq` queues are bound to it by channel name. @default 'orders.dlx' */
  readonly deadLetterExchange?: string;
  /**
   * Put before the queue name of every channel; the routing key stays the channel name. A second
   * gateway on exchange `tasks` with prefix `tasks.` has queues `tasks.email` and `tasks.email.dlq`,
   * routed by `email`, beside the order queues. @default ''
   */
  readonly queuePrefix?: string;
  /** Queue type declared for every channel. Quorum queues count redeliveries. @default 'quorum' */
  readonly queueType?: 'quorum' | 'classic';
  /** Name shown for the connection in RabbitMQ's management tools. @default 'orderly' */
  readonly connectionName?: string;
  /** How long `close` waits for the connection to close. @default 5000 */
  readonly closeTimeoutMs?: number;
  /**
   * How long `publish` waits for the broker's confirm before it rejects. A connection that dies
   * rejects what it had unconfirmed at once; this bounds the rest (a broker that never answers).
   * A publish that timed out may still have reached the broker: retrying it can duplicate, never lose.
   * @default 30000
   */
  readonly publishTimeoutMs?: number;
}

export type ResolvedRabbitMqOptions = Required<RabbitMqOptions>;

/** An option Orderly cannot use; the message names it. */
export class InvalidRabbitMqOptionsError extends Error {
  override readonly name = 'InvalidRabbitMqOptionsError';
}

export function resolveRabbitMqOptions(options: RabbitMqOptions = {}): ResolvedRabbitMqOptions {
  const resolved: ResolvedRabbitMqOptions = {
    url: options.url ?? 'amqp://guest:guest@127.0.0.1:5672',
    exchange: options.exchange ?? 'orders',
    deadLetterExchange: options.deadLetterExchange ?? 'orders.dlx',
    queuePrefix: options.queuePrefix ?? '',
    queueType: options.queueType ?? 'quorum',
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    publishTimeoutMs: options.publishTimeoutMs ?? 30_000,
    connectionName: options.connectionName ?? 'orderly',
  };
  if (!/^amqps?:\/\//.test(resolved.url)) throw new InvalidRabbitMqOptionsError(`url must start with amqp:// or amqps://, got ${resolved.url}`);
  if (resolved.exchange === resolved.deadLetterExchange) throw new InvalidRabbitMqOptionsError('exchange and deadLetterExchange must differ');
  if (!(resolved.closeTimeoutMs >= 0)) throw new InvalidRabbitMqOptionsError('closeTimeoutMs must be 0 or more');
  if (!(resolved.publishTimeoutMs > 0)) throw new InvalidRabbitMqOptionsError('publishTimeoutMs must be more than 0');
  return resolved;
}
