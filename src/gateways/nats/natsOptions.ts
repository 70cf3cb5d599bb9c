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
}

export type ResolvedNatsOptions = { readonly servers: string[]; readonly stream: string; readonly ackWaitMs: number; readonly maxAckPending: number };

/** An option Orderly cannot use; the message names it. */
export class InvalidNatsOptionsError extends Error {
  override readonly name = 'InvalidNatsOptionsError';
}

export function resolveNatsOptions(options: NatsOptions = {}): ResolvedNatsOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? ['127.0.0.1:4222'])];
  const stream = options.stream ?? 'ORDERS';
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxAckPending = options.maxAckPending ?? 10_000;
  if (!(Number.isInteger(maxAckPending) && maxAckPending >= 1)) throw new InvalidNatsOptionsError('maxAckPending must be a positive integer');
  if (servers.length === 0) throw new InvalidNatsOptionsError('servers must name at least one server');
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new InvalidNatsOptionsError(`stream must be letters, digits, - or _, got ${stream}`);
  if (!(ackWaitMs >= 1000)) throw new InvalidNatsOptionsError('ackWaitMs must be at least 1000');
  return { servers, stream, ackWaitMs, maxAckPending };
}
