import { map, type OperatorFunction } from 'rxjs';
import type { Envelope } from '../../src/domain/envelope.js';
import { createDelivery } from '../../src/streams/createDelivery.js';
import type { DeadLetterReason, Decoded, Delivery } from '../../src/streams/delivery.js';

export type BrokerCall = { kind: 'ack' } | { kind: 'retry'; delayMs: number } | { kind: 'deadLetter'; reason: DeadLetterReason };

export interface FakeDeliveryOptions {
  /** Ordering key; `message.key`. @default 'order-1' */
  readonly key?: string;
  /** Envelope id; header `ce-id`. @default a counter */
  readonly id?: string;
  /** Settlements the fake broker refuses, with the error it refuses them with. */
  readonly refuse?: Partial<Record<BrokerCall['kind'], Error>>;
}

let counter = 0;

/** A `createDelivery` delivery whose broker side records every call it receives in `calls`. */
export function fakeDelivery(options: FakeDeliveryOptions = {}): { delivery: Delivery; calls: BrokerCall[] } {
  const key = options.key ?? 'order-1';
  const id = options.id ?? `evt-${++counter}`;
  const calls: BrokerCall[] = [];
  const run = (call: BrokerCall) => {
    calls.push(call);
    const refusal = options.refuse?.[call.kind];
    return refusal ? Promise.reject(refusal) : Promise.resolve();
  };
  const delivery = createDelivery(
    { body: new TextEncoder().encode('{}'), headers: { 'ce-id': id }, key },
    { gateway: 'fake', channel: 'order.created', coordinates: { offset: id }, attempt: 1, receivedAt: 0 },
    {
      ack: () => run({ kind: 'ack' }),
      retry: (delayMs) => run({ kind: 'retry', delayMs }),
      deadLetter: (reason) => run({ kind: 'deadLetter', reason }),
    },
  );
  return { delivery, calls };
}

/** The envelope a fake delivery stands for. */
export function envelopeOf(delivery: Delivery): Envelope {
  const key = delivery.message.key ?? 'order-1';
  return {
    id: delivery.message.headers['ce-id'] ?? 'evt',
    type: 'order.created',
    version: 1,
    key,
    correlationId: 'corr',
    source: '/test',
    occurredAt: '2026-01-01T00:00:00.000Z',
    headers: delivery.message.headers,
    data: {},
  };
}

/** A decode stand-in: every delivery decodes to `envelopeOf(delivery)`. */
export const stubDecode: OperatorFunction<Delivery, Decoded> = map((delivery) => ({ delivery, envelope: envelopeOf(delivery) }));

/** Lets pending promise callbacks run (one macrotask turn; no timers involved). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise with its resolvers, for work whose end a test controls. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
