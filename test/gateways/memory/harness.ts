import type { Subscription } from 'rxjs';
import type { MemoryBroker } from '../../../src/gateways/memory/createMemoryBroker.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import type { ConsumeOptions, OutboundMessage } from '../../../src/streams/source.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const outbound = (body: string, headers: Record<string, string> = {}, key = 'order-1'): OutboundMessage => ({
  body: encoder.encode(body),
  headers,
  key,
});

export const text = (delivery: Delivery): string => decoder.decode(delivery.message.body);

/** A subscription that records what it saw and how it ended; `deliveries` grows, never shrinks. */
export interface Recorder {
  readonly deliveries: Delivery[];
  readonly subscription: Subscription;
  readonly ended: { completed: boolean; error: unknown };
  /** Bodies of the deliveries not settled yet, in emission order. */
  unsettled(): string[];
}

export function record(broker: MemoryBroker, options: Partial<ConsumeOptions> = {}, onNext?: (delivery: Delivery) => void): Recorder {
  const deliveries: Delivery[] = [];
  const ended = { completed: false, error: undefined as unknown };
  const subscription = broker
    .consume({ channels: ['orders'], group: 'g', credit: 10, ...options })
    .subscribe({
      next: (delivery) => {
        deliveries.push(delivery);
        onNext?.(delivery);
      },
      complete: () => (ended.completed = true),
      error: (error: unknown) => (ended.error = error),
    });
  return { deliveries, subscription, ended, unsettled: () => deliveries.filter((d) => !d.settled).map(text) };
}

export async function publishAll(broker: MemoryBroker, channel: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) await broker.publish(channel, outbound(body));
}
