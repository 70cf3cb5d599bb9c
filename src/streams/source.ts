import type { Observable } from 'rxjs';
import type { Delivery } from './delivery.js';

export interface ConsumeOptions {
  /** Channels to consume; the event types by default. */
  readonly channels: readonly string[];
  /** Consumer group: members of one group share the messages, each group gets all of them. */
  readonly group: string;
  /**
   * Most unsettled deliveries this subscription may hold at once. When it is reached the
   * gateway stops fetching from the broker (not merely stops emitting) until one settles.
   */
  readonly credit: number;
  /**
   * Drain: once aborted, the source stops fetching and emits nothing new, but keeps the
   * subscription so that deliveries already emitted can still settle; it completes when the
   * last of them has. Unsubscribing instead hands unsettled deliveries back to the broker.
   */
  readonly signal?: AbortSignal;
  /**
   * Called once when the consumer is in place on the broker (Kafka: the group gave it its
   * partitions; RabbitMQ: `basic.consume` answered; NATS: the consumer or subscription exists;
   * Redis: the group exists and the first read is out). From then on a message published to
   * the channels reaches this consumer or its group: what readiness waits for. Called again
   * after a reconnect has put the consumer back in place.
   */
  readonly onReady?: () => void;
}

/**
 * Where deliveries come from. The Observable is cold: subscribing connects and starts
 * fetching; unsubscribing stops fetching, and deliveries still unsettled then go back to the
 * broker for redelivery. It never emits more than `credit` unsettled deliveries.
 */
export interface Source {
  consume(options: ConsumeOptions): Observable<Delivery>;
}

/** A message on its way out, already encoded. */
export interface OutboundMessage {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** Ordering key (the order id): brokers that partition use it to keep one order in order. */
  readonly key: string;
}

/** Where messages go. `publish` resolves only once the broker has the message. */
export interface Sink {
  publish(channel: string, message: OutboundMessage): Promise<void>;
}
