import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/streams/delivery.js';
import type { SpareBroker } from '../support/spareBroker.js';
import { unique, type ContractGateway } from './sourceContract.js';

/**
 * The reconnect point of the contract suite: a broker instance the test started itself is
 * restarted twice while 10,000 messages are published at a steady pace and consumed with a
 * credit of 100 by a consumer slower than the publisher, and every message whose `publish` resolved arrives (duplicates allowed, losses
 * never) within a bounded time. The consumer is subscribed again with backoff when its
 * subscription fails, as the application does; a gateway that declares `recoversInPlace` must not
 * need that, and must say `onReady` again after each restart.
 */
export interface ReconnectSetup {
  readonly name: string;
  /** Starts the broker instance this test owns (never a shared one); disposed after the test. */
  startBroker(): Promise<SpareBroker>;
  /** A gateway pointed at that broker; closed after the test. */
  create(broker: SpareBroker): Promise<ContractGateway>;
  /** The subscription outlives a restart by itself (no error, `onReady` again). */
  readonly recoversInPlace: boolean;
  /** @default 10_000 */
  readonly messages?: number;
  /** @default 100 */
  readonly credit?: number;
  /** How long the broker stays down at each restart. @default 1_000 */
  readonly downMs?: number;
  /** Publishing pace. @default 1_000 */
  readonly perSecond?: number;
  /**
   * How long the consumer works on each delivery before it acks: with the credit this makes it
   * slower than the publisher, so a backlog (stored, not yet handed out) and held deliveries both
   * cross every restart. @default 150
   */
  readonly ackAfterMs?: number;
  /** After the last publish, how long the last confirmed message may take to arrive. @default 30_000 */
  readonly deliverWithinMs?: number;
}

const RESTARTS = 2;
const PUBLISHERS = 16;
/** How long a restart waits for the consumer to be ready again after the one before. */
const READY_AGAIN_WITHIN_MS = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls every 50 ms until `check` holds or `ms` is over; the assertions afterwards say which. */
const until = async (check: () => boolean, ms: number) => {
  const giveUpAt = Date.now() + ms;
  while (!check() && Date.now() < giveUpAt) await sleep(50);
};
const text = (d: Delivery) => new TextDecoder().decode(d.message.body);

export function reconnectContract(setup: ReconnectSetup): void {
  const total = setup.messages ?? 10_000;
  const credit = setup.credit ?? 100;
  const downMs = setup.downMs ?? 1_000;
  const perSecond = setup.perSecond ?? 1_000;
  const deliverWithinMs = setup.deliverWithinMs ?? 30_000;
  const ackAfterMs = setup.ackAfterMs ?? 150;
  let broker: SpareBroker | undefined;
  const gateways: ContractGateway[] = [];
  let subscription: Subscription | undefined;
  let finished = false;

  describe(`${setup.name} - reconnect contract`, () => {
    beforeAll(async () => {
      broker = await setup.startBroker();
    });
    // Runs however the test ended: the consumer, the gateways and the broker process all go.
    afterAll(async () => {
      finished = true; // no subscribing again from here on
      subscription?.unsubscribe();
      await Promise.all(gateways.map((g) => g.close().catch(() => undefined)));
      await broker?.dispose();
    });

    // Bounded by its own deadlines (publishing, restarts, delivery); the test timeout only backs them up.
    it(`delivers every confirmed message of ${total} while the broker restarts ${RESTARTS} times`, { timeout: 180_000 }, async () => {
      const own = broker!;
      const consumerSide = await setup.create(own);
      gateways.push(consumerSide);
      const publisher = await setup.create(own);
      gateways.push(publisher);
      const channel = unique('reconnect');
      await consumerSide.prepare([channel, consumerSide.deadLetterChannel(channel)]);

      // One group for the whole run: subscribing again resumes it.
      const group = unique('group');
      const received = new Set<number>();
      let deliveries = 0;
      let ready = 0;
      const failures: unknown[] = [];
      const subscribe = (): void => {
        if (finished) return;
        subscription = consumerSide.consume({ channels: [channel], group, credit, onReady: () => ready++ }).subscribe({
          next: (d) => {
            deliveries++;
            received.add(Number(text(d).split(':')[1]));
            // An ack refused while the broker is down is no loss: the delivery comes again.
            setTimeout(() => d.ack().catch(() => undefined), ackAfterMs);
          },
          // Subscribed again with backoff, as the application does.
          error: (error: unknown) => {
            failures.push(error);
            setTimeout(subscribe, Math.min(2_000, 100 * 2 ** failures.length));
          },
        });
      };
      subscribe();
      const deadline = (ms: number) => Date.now() + ms;
      const readyBy = deadline(10_000);
      while (ready === 0 && Date.now() < readyBy) await sleep(10);
      expect(ready, 'the consumer to be in place').toBeGreaterThan(0);

      // Publishing at a steady pace; a failed publish is tried again until it is confirmed.
      const confirmed = new Set<number>();
      let refused = 0;
      const started = Date.now();
      const restarts: Promise<void>[] = [];
      const restartAt = Array.from({ length: RESTARTS }, (_, r) => Math.floor((total * (r + 1)) / (RESTARTS + 1)));
      let next = 0;
      const publishing = Array.from({ length: PUBLISHERS }, async () => {
        for (let i = next++; i < total; i = next++) {
          const due = started + (i * 1000) / perSecond;
          if (due > Date.now()) await sleep(due - Date.now());
          // Restarts are sequential: the second waits for the first to be back and, where the
          // consumer recovers in place, for it to say it is ready again (bounded). Otherwise a
          // restart could land in the middle of the last one's recovery (nats.js waits up to 2 s
          // to reconnect), and one recovery for two restarts would be counted as a missing `onReady`.
          if (restartAt.includes(i)) {
            const readyAgain = 1 + restarts.length;
            restarts.push((restarts.at(-1) ?? Promise.resolve()).then(() => (setup.recoversInPlace ? until(() => ready >= readyAgain, READY_AGAIN_WITHIN_MS) : undefined)).then(() => own.restart(downMs)));
          }
          const body = new TextEncoder().encode(`reconnect:${i}`);
          const giveUpAt = deadline(30_000);
          while (Date.now() < giveUpAt) {
            try {
              await publisher.publish(channel, { body, headers: { 'message-id': `${channel}-${i}` }, key: `k${i % 16}` });
              confirmed.add(i);
              break;
            } catch {
              refused++;
              await sleep(100);
            }
          }
        }
      });
      await Promise.all(publishing);
      await Promise.all(restarts);
      const publishedInMs = Date.now() - started;

      const arriveBy = deadline(deliverWithinMs);
      const missing = () => [...confirmed].filter((i) => !received.has(i));
      while (missing().length > 0 && Date.now() < arriveBy) await sleep(50);
      const lost = missing();
      console.info(
        `${setup.name}: published ${confirmed.size}/${total} in ${publishedInMs} ms (${refused} refused and tried again), ` +
          `${deliveries} deliveries, ${lost.length} missing, onReady ${ready} times, ${failures.length} subscription failures`,
      );
      expect(own.restarts).toBe(RESTARTS);
      expect(confirmed.size).toBe(total);
      expect(lost.slice(0, 20), `${lost.length} confirmed messages never arrived`).toEqual([]);
      if (setup.recoversInPlace) {
        expect(failures).toEqual([]);
        expect(ready).toBeGreaterThanOrEqual(1 + RESTARTS);
      }
    });
  });
}
