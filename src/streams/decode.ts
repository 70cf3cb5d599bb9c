import { Observable, type OperatorFunction } from 'rxjs';
import { systemClock, type Clock } from '../domain/clock.js';
import { decodeEnvelope } from '../domain/decodeEnvelope.js';
import type { DeadLetterReason, Decoded, Delivery } from './delivery.js';

export interface DecodeConfig {
  /** Currency given to `order.created` v1 events, which carry none. */
  readonly defaultCurrency: string;
  /** Largest body accepted; larger ones are dead-lettered unread. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /** Prefix of every channel name (a shared broker's namespace); a plain payload's type is its channel without it. @default '' */
  readonly channelPrefix?: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Makes a correlation id for messages that arrive without one. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Delay before the broker redelivers a message whose dead-lettering failed. @default 1000 */
  readonly redeliverDelayMs?: number;
  /** Told about every message this operator parks, for metrics and logs. */
  readonly onDeadLetter?: (delivery: Delivery, reason: DeadLetterReason) => void;
}

/**
 * Decodes, validates and upcasts each delivery into an `Envelope`. A delivery that is not a
 * valid event — unparsable bytes, unknown type or version, failed validation — is dead-lettered
 * here with its reason and never reaches business code; the stream itself never errors on
 * bad input. Should the dead-letter channel refuse it, the message is handed back to the broker
 * for a later redelivery, so even then nothing is lost.
 */
export function decode(config: DecodeConfig): OperatorFunction<Delivery, Decoded> {
  const clock = config.clock ?? systemClock;
  const context = {
    defaultCurrency: config.defaultCurrency,
    maxBodyBytes: config.maxBodyBytes ?? 1_048_576,
    now: () => clock.now(),
    newId: config.newId ?? (() => crypto.randomUUID()),
  };
  const redeliverDelayMs = config.redeliverDelayMs ?? 1000;
  const prefix = config.channelPrefix ?? '';

  return (source) =>
    new Observable<Decoded>((subscriber) =>
      source.subscribe({
        next: (delivery) => {
          const { origin } = delivery;
          const result = decodeEnvelope(delivery.message, {
            ...context,
            channel: origin.channel.startsWith(prefix) ? origin.channel.slice(prefix.length) : origin.channel,
            coordinates: origin.coordinates,
            gateway: origin.gateway,
          });
          if (result.ok) {
            subscriber.next({ delivery, envelope: result.envelope });
            return;
          }
          const reason: DeadLetterReason = { code: result.code, message: result.message, attempts: origin.attempt };
          config.onDeadLetter?.(delivery, reason);
          delivery.deadLetter(reason).catch(() => delivery.retry(redeliverDelayMs).catch(() => undefined));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
