import { retry, timer, type Subscription } from 'rxjs';
import type { BrokerGateway } from '../../src/streams/brokerGateway.js';
import type { StatusEventSeen } from './oracle.js';

/** The status events received so far (re-sends included), and how to stop listening. */
export interface StatusCollector {
  readonly events: StatusEventSeen[];
  /** Distinct event ids received. */
  distinct(): number;
  /** When the last new distinct id arrived (epoch ms). */
  readonly lastNewAt: number | undefined;
  stop(): void;
}

/**
 * Consumes `order.status-changed` events from Orderly's status channel with a group of its own
 * (so it competes with no one) and acks each once recorded. Anything that is not a structured
 * status CloudEvent is kept out and counted in `unreadable`. A consumer that fails (its broker
 * restarted: the RabbitMQ, Kafka and Redis Streams consumers end their subscription then) is
 * reported to `onError` and subscribed again a second later, as Orderly's own pipeline does.
 */
export function collectStatusEvents(gateway: BrokerGateway, channel: string, group: string, onError: (error: unknown) => void): StatusCollector & { unreadable: number } {
  const events: StatusEventSeen[] = [];
  const ids = new Set<string>();
  const state = { unreadable: 0, lastNewAt: undefined as number | undefined };
  const again = (error: unknown) => {
    onError(error);
    return timer(1_000);
  };
  const subscription: Subscription = gateway.consume({ channels: [channel], group, credit: 512 }).pipe(retry({ delay: again })).subscribe({
    next: (delivery) => {
      try {
        const event = JSON.parse(Buffer.from(delivery.message.body).toString('utf8')) as { id: string; type: string; data: { orderId: string; from: string; to: string; eventId: string } };
        if (event.type !== 'order.status-changed') throw new Error(`unexpected type ${event.type}`);
        events.push({ id: event.id, orderId: event.data.orderId, from: event.data.from, to: event.data.to, eventId: event.data.eventId });
        if (!ids.has(event.id)) state.lastNewAt = Date.now();
        ids.add(event.id);
      } catch {
        state.unreadable++;
      }
      delivery.ack().catch(() => undefined); // an ack lost to a reconnect means a re-send: deduplicated by id
    },
    error: onError,
  });
  return {
    events,
    distinct: () => ids.size,
    get unreadable() {
      return state.unreadable;
    },
    get lastNewAt() {
      return state.lastNewAt;
    },
    stop: () => subscription.unsubscribe(),
  };
}
