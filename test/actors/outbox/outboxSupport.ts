import { emptyRecord } from '../../../src/actors/orderRecord.js';
import type { OrderStore } from '../../../src/actors/orderStore.js';
import { STATUS_CHANGED_TYPE, type OutboxEntry } from '../../../src/actors/outbox/outboxEntry.js';
import type { OutboundMessage, Sink } from '../../../src/streams/source.js';

/** The `n`th status event of `orderId`. */
export function entry(orderId: string, n: number): OutboxEntry {
  return {
    id: `${orderId}:status:${n}`,
    type: STATUS_CHANGED_TYPE,
    version: 1,
    key: orderId,
    correlationId: `corr-${orderId}`,
    causationId: `${orderId}:cause:${n}`,
    source: '/orderly',
    occurredAt: '2026-01-01T00:00:00.000Z',
    headers: {},
    data: { orderId, from: 'pending', to: 'paid', eventId: `${orderId}:cause:${n}`, eventType: 'payment.completed', occurredAt: '2026-01-01T00:00:00Z' },
  };
}

/** Saves one new version of each entry's order per entry, with the entry in its outbox: as the order actors would. */
export async function seed(store: OrderStore, entries: readonly OutboxEntry[]): Promise<void> {
  for (const e of entries) {
    const version = ((await store.load(e.key))?.version ?? 0) + 1;
    await store.save({ ...emptyRecord(e.key), version }, version - 1, [e]);
  }
}

/** A published message read back: the CloudEvent's id, partition key and the data. */
export interface Sent {
  readonly channel: string;
  readonly id: string;
  readonly key: string;
  readonly event: Record<string, unknown>;
}

export const decodeSent = (channel: string, message: OutboundMessage): Sent => {
  const event = JSON.parse(new TextDecoder().decode(message.body)) as Record<string, unknown>;
  return { channel, id: String(event.id), key: message.key, event };
};

/**
 * A sink that records what it is given. `behave` decides each publish: resolve (the broker has
 * it), reject, or hang until the test releases it.
 */
export class FakeSink implements Sink {
  readonly sent: Sent[] = [];
  readonly attempts: string[] = [];
  readonly #held: (() => void)[] = [];
  behave: (sent: Sent, attempt: number) => 'ok' | 'fail' | 'hold' = () => 'ok';

  async publish(channel: string, message: OutboundMessage): Promise<void> {
    const sent = decodeSent(channel, message);
    this.attempts.push(sent.id);
    const verdict = this.behave(sent, this.attempts.length);
    if (verdict === 'fail') throw new Error(`injected: broker refused ${sent.id}`);
    if (verdict === 'hold') await new Promise<void>((resolve) => this.#held.push(resolve));
    this.sent.push(sent);
  }

  /** Lets every held publish resolve. */
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }

  get held(): number {
    return this.#held.length;
  }

  get ids(): string[] {
    return this.sent.map((s) => s.id);
  }
}

/** Lets promise chains and the relay's yields run; the fake clock does not move. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
