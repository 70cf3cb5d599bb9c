import type { Sink, Source } from './source.js';

/**
 * What every broker's gateway offers: the `Source` and `Sink` ports, plus the little the
 * composition root and the contract suite need to run it.
 */
export interface BrokerGateway extends Source, Sink {
  /** The channel dead letters of `channel` go to (`<channel>.dlq` on every broker so far). */
  deadLetterChannel(channel: string): string;
  /** Makes the channels (and their dead-letter channels) exist, so that nothing published after start is dropped. */
  prepare(channels: readonly string[]): Promise<void>;
  /** Stops everything the gateway runs; consumers end, unsettled deliveries go back to the broker. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
