export interface NatsOptions {
  /** Server address(es). @default '127.0.0.1:4222' */
  readonly servers?: string | readonly string[];
  /** The JetStream stream that captures every channel (and its `.dlq`). @default 'ORDERS' */
  readonly stream?: string;
  /**
   * How long the server waits for an ack before it redelivers a message (a crashed consumer's
   * messages come back after this). @default 30_000
   */
  readonly ackWaitMs?: number;
  /** Group-wide bound on unacked messages per subject, a safety net behind each member's credit. @default 10_000 */
  readonly maxAckPending?: number;
  /**
   * Deliveries of one message the server makes (`max_deliver` of every durable consumer) before it
   * gives up on it; the gateway then copies it to `<subject>.dlq` (`watchMaxDeliveries`, reason
   * `max-attempts`). Orderly's own retries (`ORDERLY_MAX_ATTEMPTS`) happen inside one delivery and
   * end in a dead letter the pipeline makes itself, so they use up no deliveries: the server
   * delivers again only a message that was never settled (ack wait passed: a crash, a stuck
   * handler) or was handed back (a consumer stopping, or `retry`: at shutdown, or when its dead
   * letter was refused). The default leaves room for many restarts and hand-backs, while a crash
   * loop on one message, which would otherwise be redelivered forever, ends in the DLQ. A positive
   * integer. @default 20
   */
  readonly maxDeliver?: number;
  /**
   * A delivery held longer than half the ack wait is kept from redelivery with `working()`, every
   * half ack wait, for at most this long after it arrived; past it the server takes it back after
   * the ack wait (a stuck handler does not hold a message forever). At least `ackWaitMs`.
   * @default 300_000
   */
  readonly maxWorkingMs?: number;
  /** How long one pull request waits at the server for messages. At least 1000. @default 5_000 */
  readonly pullExpiresMs?: number;
  /**
   * The server sends a heartbeat this often while a pull waits; two missed in a row stop the pull
   * and consume again. At most half of `pullExpiresMs`. @default 1_000
   */
  readonly idleHeartbeatMs?: number;
  /**
   * How long a consumer keeps trying to consume again after losing the server (restart, missed
   * heartbeats) before its subscription fails, so that whoever subscribed sees it down. @default 60_000
   */
  readonly recoverWithinMs?: number;
}

export type ResolvedNatsOptions = { readonly servers: string[]; readonly stream: string } & Required<
  Pick<NatsOptions, 'ackWaitMs' | 'maxAckPending' | 'maxDeliver' | 'maxWorkingMs' | 'pullExpiresMs' | 'idleHeartbeatMs' | 'recoverWithinMs'>
>;

/** An option Orderly cannot use; the message names it. */
export class InvalidNatsOptionsError extends Error {
  override readonly name = 'InvalidNatsOptionsError';
}

export function resolveNatsOptions(options: NatsOptions = {}): ResolvedNatsOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? ['127.0.0.1:4222'])];
  const stream = options.stream ?? 'ORDERS';
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxAckPending = options.maxAckPending ?? 10_000;
  const maxDeliver = options.maxDeliver ?? 20;
  const maxWorkingMs = options.maxWorkingMs ?? 300_000;
  const pullExpiresMs = options.pullExpiresMs ?? 5_000;
  const idleHeartbeatMs = options.idleHeartbeatMs ?? 1_000;
  const recoverWithinMs = options.recoverWithinMs ?? 60_000;
  if (!(Number.isInteger(maxAckPending) && maxAckPending >= 1)) throw new InvalidNatsOptionsError('maxAckPending must be a positive integer');
  if (!(Number.isInteger(maxDeliver) && maxDeliver >= 1)) throw new InvalidNatsOptionsError('maxDeliver must be a positive integer');
  if (servers.length === 0) throw new InvalidNatsOptionsError('servers must name at least one server');
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new InvalidNatsOptionsError(`stream must be letters, digits, - or _, got ${stream}`);
  if (!(ackWaitMs >= 1000)) throw new InvalidNatsOptionsError('ackWaitMs must be at least 1000');
  if (!(maxWorkingMs >= ackWaitMs)) throw new InvalidNatsOptionsError('maxWorkingMs must be at least ackWaitMs');
  if (!(pullExpiresMs >= 1000)) throw new InvalidNatsOptionsError('pullExpiresMs must be at least 1000');
  if (!(idleHeartbeatMs > 0 && idleHeartbeatMs <= pullExpiresMs / 2)) throw new InvalidNatsOptionsError('idleHeartbeatMs must be positive and at most half of pullExpiresMs');
  if (!(recoverWithinMs > 0)) throw new InvalidNatsOptionsError('recoverWithinMs must be positive');
  return { servers, stream, ackWaitMs, maxAckPending, maxDeliver, maxWorkingMs, pullExpiresMs, idleHeartbeatMs, recoverWithinMs };
}
