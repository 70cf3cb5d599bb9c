import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { map, type MonoTypeOperatorFunction } from 'rxjs';
import type { Clock } from '../../domain/clock.js';
import type { DeadLetterCode, DeadLetterReason, Delivery, InboundMessage, Origin } from '../../streams/delivery.js';
import type { SettledRecord } from '../../streams/settle.js';
import { boundedLabel, OTHER } from './boundedLabel.js';

/** Every `DeadLetterCode`: the values of the `reason` label (anything else is `other`). */
const DEAD_LETTER_CODES = new Set<string>(
  Object.keys({
    decode: true,
    'unknown-type': true,
    'unknown-version': true,
    validation: true,
    'forbidden-transition': true,
    orphan: true,
    'max-attempts': true,
  } satisfies Record<DeadLetterCode, true>),
);

/** Upper bounds, in seconds, of the receipt → ack histogram: 1 ms to 30 s. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface DeliveryMetricsOptions {
  /** Maps a delivery's channel to its label value (bounded: see `boundedLabel`). */
  readonly channel: (channel: string) => string;
  readonly buckets: readonly number[];
  /** The clock that stamps `origin.receivedAt`: it times the acks. */
  readonly clock: Clock;
}

export interface DeliveryMetrics {
  /** See `Metrics.countReceived`. */
  readonly countReceived: MonoTypeOperatorFunction<Delivery>;
  /** Counts the in-process retries of one settled record (`attempts - 1`). */
  observeSettled(record: SettledRecord): void;
}

type Labels = { readonly source: string; readonly channel: string };

/** One source and channel: its label set, made once, and what is in flight there. */
interface Series {
  readonly labels: Labels;
  inFlight: number;
}

/** The per-delivery counters, the latency histogram and the in-flight gauge, all labelled by source and channel. */
export function createDeliveryMetrics(registry: Registry, options: DeliveryMetricsOptions): DeliveryMetrics {
  const registers = [registry];
  const labelNames = ['source', 'channel'] as const;
  const instruments: Instruments = {
    clock: options.clock,
    received: new Counter({ name: 'orderly_deliveries_received_total', help: 'Deliveries a source handed to the pipeline.', labelNames, registers }),
    acked: new Counter({ name: 'orderly_deliveries_acked_total', help: 'Deliveries acked: their effect is stored.', labelNames, registers }),
    retried: new Counter({ name: 'orderly_deliveries_retried_total', help: 'Deliveries handed back to the broker for redelivery.', labelNames, registers }),
    deadLettered: new Counter({
      name: 'orderly_deliveries_dead_lettered_total',
      help: 'Deliveries parked on the dead-letter channel, by reason (a DeadLetterCode).',
      labelNames: [...labelNames, 'reason'],
      registers,
    }),
    failed: new Counter({
      name: 'orderly_delivery_settle_failures_total',
      help: 'Settlements the broker refused or that came too late (the broker redelivers), by the settlement tried.',
      labelNames: [...labelNames, 'settlement'],
      registers,
    }),
    latency: new Histogram({
      name: 'orderly_delivery_processing_seconds',
      help: 'From receipt (the gateway handing the delivery over) to its ack.',
      labelNames,
      buckets: [...options.buckets],
      registers,
    }),
  };
  const handlerRetries = new Counter({
    name: 'orderly_handler_retries_total',
    help: 'Handler attempts retried in process, with backoff, before a delivery was settled.',
    labelNames,
    registers,
  });
  // Raw source → raw channel → series, for the hot path; and each series once, by its labels
  // (raw values outside the bounded set share the `other` series).
  const bySource = new Map<string, Map<string, Series>>();
  const byLabels = new Map<string, Series>();
  const sourceLabel = boundedLabel(undefined, 16);
  new Gauge({
    name: 'orderly_deliveries_in_flight',
    help: 'Deliveries received and not yet settled; at most the credit per source.',
    labelNames,
    registers,
    collect() {
      for (const series of byLabels.values()) this.set(series.labels, series.inFlight);
    },
  });

  const seriesOf = (origin: Origin): Series => {
    let channels = bySource.get(origin.gateway);
    if (channels === undefined) {
      channels = new Map();
      bySource.set(origin.gateway, channels);
    }
    let series = channels.get(origin.channel);
    if (series === undefined) {
      const labels = { source: sourceLabel(origin.gateway), channel: options.channel(origin.channel) };
      const key = `${labels.source}\u0000${labels.channel}`;
      series = byLabels.get(key) ?? { labels, inFlight: 0 };
      byLabels.set(key, series);
      channels.set(origin.channel, series);
    }
    return series;
  };

  return {
    countReceived: map((delivery) => {
      const series = seriesOf(delivery.origin);
      instruments.received.inc(series.labels);
      series.inFlight++;
      return new CountedDelivery(delivery, series, instruments);
    }),
    observeSettled: (record) => {
      if (record.attempts > 1) handlerRetries.inc(seriesOf(record.delivery.origin).labels, record.attempts - 1);
    },
  };
}

interface Instruments {
  readonly clock: Clock;
  readonly received: Counter<'source' | 'channel'>;
  readonly acked: Counter<'source' | 'channel'>;
  readonly retried: Counter<'source' | 'channel'>;
  readonly deadLettered: Counter<'source' | 'channel' | 'reason'>;
  readonly failed: Counter<'source' | 'channel' | 'settlement'>;
  readonly latency: Histogram<'source' | 'channel'>;
}

/**
 * A delivery that counts its settlement once the broker has it. Settling stays the inner
 * delivery's business (exclusive, idempotent); this only watches, and leaves the in-flight count
 * once, on the first settlement that ends either way (a refused dead letter is followed by a retry).
 */
class CountedDelivery implements Delivery {
  #left = false;

  constructor(
    readonly inner: Delivery,
    readonly series: Series,
    readonly instruments: Instruments,
  ) {}

  get message(): InboundMessage {
    return this.inner.message;
  }

  get origin(): Origin {
    return this.inner.origin;
  }

  get settled(): boolean {
    return this.inner.settled;
  }

  ack(): Promise<void> {
    return this.inner.ack().then(() => {
      this.#leave();
      const { acked, latency, clock } = this.instruments;
      acked.inc(this.series.labels);
      latency.observe(this.series.labels, Math.max(0, clock.now() - this.inner.origin.receivedAt) / 1000);
    }, this.#failed('ack'));
  }

  retry(delayMs: number): Promise<void> {
    return this.inner.retry(delayMs).then(() => {
      this.#leave();
      this.instruments.retried.inc(this.series.labels);
    }, this.#failed('retry'));
  }

  deadLetter(reason: DeadLetterReason): Promise<void> {
    return this.inner.deadLetter(reason).then(() => {
      this.#leave();
      const code = DEAD_LETTER_CODES.has(reason.code) ? reason.code : OTHER;
      this.instruments.deadLettered.inc({ ...this.series.labels, reason: code });
    }, this.#failed('deadLetter'));
  }

  #leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.series.inFlight--;
  }

  #failed(settlement: 'ack' | 'retry' | 'deadLetter'): (error: unknown) => never {
    return (error) => {
      this.#leave();
      this.instruments.failed.inc({ ...this.series.labels, settlement });
      throw error;
    };
  }
}
