import { retry, timer, type Subscription } from 'rxjs';
import type { Delivery } from '../../src/streams/delivery.js';
import type { Sink, Source } from '../../src/streams/source.js';

export interface ReconnectRunOptions {
  readonly gateway: Source & Sink;
  readonly channel: string;
  readonly group: string;
  /** Messages to publish. */
  readonly total: number;
  /** The consumer's credit. */
  readonly credit: number;
  /** Steady publishing pace: message i is not sent before start + i / ratePerSecond. */
  readonly ratePerSecond: number;
  /** Publishes in flight at once (each awaits its confirm). */
  readonly publishConcurrency: number;
  /** Interruption k happens once this many messages are confirmed (and interruption k-1 is over). */
  readonly interruptAt: readonly number[];
  /** Breaks the gateway's link to the broker (closes its connections, restarts the broker); resolves when done. */
  readonly interrupt: (k: number) => Promise<void>;
  /** One publish attempt slower than this counts as hung; it is still awaited, and a new attempt is made. */
  readonly hungAfterMs: number;
  /** The whole run, publishing and receiving, ends by then. */
  readonly deadlineMs: number;
  /**
   * Before each interruption after the first, wait until the consumer said `onReady` again since
   * the previous one, so that each interruption hits a consumer that is back in place. Only for a
   * gateway whose every reconnect ends in `onReady`. @default false
   */
  readonly awaitReadyBetween?: boolean;
  /** How long the consumer holds a delivery before it acks, so some are in flight when the link breaks. @default 2 */
  readonly ackDelayMs?: number;
}

export interface ReconnectRunResult {
  readonly confirmed: ReadonlySet<number>;
  readonly received: ReadonlySet<number>;
  /** Confirmed but never received: must be empty. */
  readonly lost: readonly number[];
  readonly deliveries: number;
  readonly publishFailures: number;
  readonly hungPublishes: number;
  /** How often the consumer's subscription failed and was subscribed again (as the pipeline does). */
  readonly resubscribes: number;
  readonly readyCalls: number;
  /** Confirmed count when each interruption started. */
  readonly interruptedAt: readonly number[];
  readonly firstErrors: readonly string[];
  readonly timedOut: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Publishes `total` messages at a steady pace through the gateway while a consumer with `credit`
 * acks them, and interrupts the broker link at the given points. Only what `publish` resolved
 * counts as confirmed; a failed publish is retried with backoff until it is confirmed. The
 * consumer is subscribed again after a failure, exactly as the pipeline does (`retry`). Ends when
 * every confirmed message was received, or at the deadline. Duplicates are allowed, losses never.
 */
export async function reconnectRun(options: ReconnectRunOptions): Promise<ReconnectRunResult> {
  const { gateway, channel, total } = options;
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const confirmed = new Set<number>();
  const received = new Set<number>();
  const acks = new Set<ReturnType<typeof setTimeout>>();
  const firstErrors: string[] = [];
  const noteError = (what: string, error: unknown) => {
    if (firstErrors.length < 10) firstErrors.push(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  };
  let deliveries = 0;
  let publishFailures = 0;
  let hungPublishes = 0;
  let resubscribes = 0;
  let readyCalls = 0;
  const interruptedAt: number[] = [];

  const onDelivery = (d: Delivery) => {
    deliveries++;
    received.add(Number(new TextDecoder().decode(d.message.body).split(':')[1]));
    const ack = setTimeout(() => {
      acks.delete(ack);
      // Refused when its connection is gone: the broker redelivers it, which is what is tested.
      d.ack().catch(() => undefined);
    }, options.ackDelayMs ?? 2);
    acks.add(ack);
  };
  const subscription: Subscription = gateway
    .consume({ channels: [channel], group: options.group, credit: options.credit, onReady: () => readyCalls++ })
    .pipe(
      retry({
        resetOnSuccess: true,
        delay: (error: unknown) => {
          resubscribes++;
          noteError('consumer', error);
          return timer(100);
        },
      }),
    )
    .subscribe({ next: onDelivery, error: (e: unknown) => noteError('consumer gave up', e) });

  try {
    while (readyCalls === 0 && Date.now() < deadline) await sleep(10);

    // Publishers: `publishConcurrency` loops share the message numbers, each paced to its slot.
    let next = 0;
    const publishOne = async (i: number) => {
      const body = new TextEncoder().encode(`${channel}:${i}`);
      for (let attempt = 0; !confirmed.has(i) && Date.now() < deadline; attempt++) {
        const sent = gateway.publish(channel, { body, headers: { 'content-type': 'text/plain' }, key: `k${i % 64}` });
        // A late confirm still counts: the broker has the message.
        const done = sent.then(
          () => void confirmed.add(i),
          (error: unknown) => {
            publishFailures++;
            noteError('publish', error);
            throw error;
          },
        );
        let hangTimer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          done.then(() => 'ok' as const, () => 'failed' as const),
          new Promise<'hung'>((r) => (hangTimer = setTimeout(() => r('hung'), options.hungAfterMs))),
        ]);
        clearTimeout(hangTimer);
        if (outcome === 'ok') return;
        if (outcome === 'hung') {
          hungPublishes++;
          done.catch(() => undefined);
        }
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
      }
    };
    const publisher = async () => {
      while (next < total && Date.now() < deadline) {
        const i = next++;
        const slot = started + (i * 1000) / options.ratePerSecond;
        if (slot > Date.now()) await sleep(slot - Date.now());
        await publishOne(i);
      }
    };

    // Interruptions, one after the other, each once enough is confirmed.
    const interrupter = async () => {
      for (const [k, at] of options.interruptAt.entries()) {
        while (confirmed.size < at && Date.now() < deadline) await sleep(5);
        if (options.awaitReadyBetween) while (readyCalls <= k && Date.now() < deadline) await sleep(5);
        if (Date.now() >= deadline) return;
        interruptedAt.push(confirmed.size);
        await options.interrupt(k);
      }
    };

    await Promise.all([interrupter(), ...Array.from({ length: options.publishConcurrency }, publisher)]);
    while ([...confirmed].some((i) => !received.has(i)) && Date.now() < deadline) await sleep(50);
  } finally {
    subscription.unsubscribe();
    for (const ack of acks) clearTimeout(ack);
    acks.clear();
  }
  return {
    confirmed,
    received,
    lost: [...confirmed].filter((i) => !received.has(i)).sort((a, b) => a - b),
    deliveries,
    publishFailures,
    hungPublishes,
    resubscribes,
    readyCalls,
    interruptedAt,
    firstErrors,
    timedOut: Date.now() >= deadline,
  };
}
